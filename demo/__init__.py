"""The project-wide `manage.py demo` command: every process of the product under one command."""
