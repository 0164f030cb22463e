"""What every face reads: FilterSets, query functions and the CSV exports, shared so a page,
its API list and its CSV hold the same rows in the same order.

Below the faces (web, demo, management), above the domain and everything under it.
"""
