"""The analyst console: server-rendered pages in the web app, beside the REST API.

Pages are Jinja templates (``templates/``) over the same :class:`~metron.web.context.WebContext`
as the API; the console's own small script and style sheet (``static/``) make them
interactive, calling the REST API.  Nothing is loaded from another origin, so the
console works offline.  :func:`metron.web.console.routes.install_console` adds it to the
app; a page module joins it by defining a ``router`` (see :mod:`~metron.web.console.routes`)
and rendering templates that extend ``base.html`` with
:func:`metron.web.console.templating.render`, behind the
:data:`metron.web.console.session.Session` dependency.
"""

__all__: list[str] = []
