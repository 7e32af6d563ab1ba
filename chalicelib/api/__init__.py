"""The HTTP layer every concept's routes use: errors and JSON replies (http.py), request body
field readers (validate.py), the shapes of the kernel's own types (shapes.py). Names no
concept."""
