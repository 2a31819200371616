"""Business rules, as plain functions on model objects, grouped by domain.

The web pages, the API, the CLI and the job queue all call these; a rule lives
in exactly one of them. Each domain is a package (registration, programme,
mail, attendance, reporting, privacy, webhooks, accounts) with its background
tasks in its own tasks.py; a domain imports only the domains below it
(pyproject.toml's "domains" contract):

    programme | privacy | reporting
    attendance | registration | accounts
    mail
    webhooks
    audit | links | archives | regions   (shared modules, importing no domain)
"""
