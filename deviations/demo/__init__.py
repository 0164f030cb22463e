"""The steps of `manage.py demo`: each returns what it did for the command to print.

Beside web (neither imports the other), below management, above the read side.
"""
