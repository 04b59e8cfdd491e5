"""The maintenance lock (guide 4.2, 4.4): its file, this node's role, the reconcile use case
shared by ``nfvd-ha maintenance`` and the controller, and the controller itself."""
