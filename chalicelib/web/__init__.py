"""The page layer every concept's pages use: templates, forms, redirects (pages.py) and CSRF
protection for forms (csrf.py). Names no concept."""
