"""The Stellar page (``GET /stellar``): a REPL in the browser, as Metron's Stellar shell.

Type an expression and press Enter: it is evaluated by ``POST /api/v1/stellar/evaluate``
and the result (or the error, with a caret under the place) joins the page's history.
``x := expr`` assigns the result to ``x`` in the page's variables, sent with every
evaluation; the shell's magic commands ``%vars``, ``%functions [text]``,
``%undefine x``, ``%clear`` and ``?FUNCTION`` work too.  Up and down go through the
expressions entered before (kept in the browser).  The function list beside it comes
from ``GET /api/v1/stellar/list/functions`` and filters as you type.  All of that is
``tools.js``; the server only renders the page.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from metron.web.console.session import Session
from metron.web.console.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/stellar", response_class=HTMLResponse)
def stellar_page(request: Request, session: Session) -> HTMLResponse:
    return render(request, "stellar.html", session, title="Stellar")
