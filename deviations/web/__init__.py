"""The web face: pages (views), the REST API (api), the role gate (access, roles), the
admin, URL converters and template helpers.  Views build what templates show.

Beside demo, below management, above the read side and everything under it.
"""
