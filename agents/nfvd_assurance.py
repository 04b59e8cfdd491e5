"""ocf:nfvd:nfvd-assurance: the NFVD Assurance stack (UCA-EBC, Open Mediation, Gateway), the
A/P resource of the Assurance pair (see nfvd_ocf.components)."""

from nfvd_ocf import components, runtime
from nfvd_ocf.nfvd import ASSURANCE_COMPONENTS

AGENT = components.agent(
    "nfvd-assurance", "NFVD Assurance: UCA-EBC, Open Mediation and the Assurance Gateway",
    "The Assurance stack of the active Assurance node.", ASSURANCE_COMPONENTS)

if __name__ == "__main__":
    runtime.main(AGENT)
