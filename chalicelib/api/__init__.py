"""The HTTP layer's helpers: request parsing and validation, auth, reply shapes. Routes in
app.py stay thin: parse, authorize, call a service, render."""
