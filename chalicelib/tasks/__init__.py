"""Tasks: every long operation's progress (NEW -> INPROGRESS -> FINISHED or FAILED). Each is
carried by its aggregate (kernel/task.py) and written to its own row by the engine; this
concept reads and shows them."""
