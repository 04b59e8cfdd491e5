"""Use cases, one module per command area: load -> validate (every problem at once) ->
build -> write/push, through the adapters (``nfvd_ha.adapters``) and the renderers
(``nfvd_ha.renderers``, ``crm``, ``heartbeat_compat``). They never print and never import
click: the CLI (``nfvd_ha.cli``) calls them and says what they return."""
