"""Security headers on every response: a Content-Security-Policy that lets a page load only the
application's own style sheet, images and frames (no script, no inline style, no other site),
and may not be framed; the report's own documents get a policy of their own (`report_document`).

Django's SecurityMiddleware adds X-Content-Type-Options and Referrer-Policy (settings.py), and
XFrameOptionsMiddleware X-Frame-Options for browsers that do not read frame-ancestors.
"""

from __future__ import annotations

PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# The report is one self-contained file: its styles and charts (inline SVG) are inline, and it
# has no script; it may be framed only by the application's own report page.
REPORT_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
                 "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


def report_document(response):
    """Mark a response carrying one of the report's HTML files: its own policy, framed by our pages only."""
    response["Content-Security-Policy"] = REPORT_POLICY
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


class ContentSecurityPolicyMiddleware:
    """Add PAGE_POLICY to every response that has no policy of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        return response
