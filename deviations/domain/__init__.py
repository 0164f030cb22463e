"""The services that change the record: each checks the rules that apply (permissions),
writes in one transaction with its audit events (audit) and returns what it did.

Below the read side and the faces, above the models, the core and the vocabulary (the
layers in pyproject.toml); nothing here prints.
"""
