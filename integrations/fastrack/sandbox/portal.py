"""myFAStrack: the server-rendered page of one order, reached by a short-lived token, and its 11 actions.

Contracts:
- ``GET /myfastrack/<token>`` renders the order; every action is ``POST /myfastrack/<token>/<action>``
  (form-encoded) answered ``303`` back to the page, with ``?ok=`` or ``?error=`` carrying the message: no
  cookies, no JavaScript, inline CSS only.
- Status changes follow FAStrack: accept/deny only from ``new``; submit to QC only from ``accepted``; nothing
  but comments and support requests on an order in a final status.
- Every action is appended to ``portal-actions`` (with the status before and after).
- Unknown or expired token → 403 page. Every HTML answer carries ``Content-Security-Policy: frame-ancestors``.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from decimal import Decimal, InvalidOperation

from .store import FINAL, Store, Vendor, now_iso
from .web import Request, Response, esc, html_response, redirect

EXPIRED = "This myFAStrack link has expired. Open it again from Vendordesk."
CSS = """
body{font-family:system-ui,Arial,sans-serif;margin:0;background:#f4f6f8;color:#1d2733;font-size:14px}
header{background:#0b3d6b;color:#fff;padding:10px 16px}header h1{margin:0;font-size:18px}
main{padding:12px 16px;max-width:980px}section{background:#fff;border:1px solid #d5dbe1;border-radius:6px;
margin:0 0 12px;padding:10px 14px}h2{font-size:15px;margin:0 0 8px;color:#0b3d6b}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #e6eaee;padding:4px 6px;text-align:left}
.status{display:inline-block;padding:2px 8px;border-radius:10px;background:#ffd166;color:#1d2733}
.ok{background:#d8f3dc;border:1px solid #74c69d;padding:8px;margin-bottom:12px}
.error{background:#ffe3e3;border:1px solid #e5383b;padding:8px;margin-bottom:12px}
form.inline{display:inline}input,select,textarea{margin:2px 6px 2px 0}button{cursor:pointer}
fieldset{border:1px solid #d5dbe1;margin:6px 0}.muted{color:#66727f}
"""


def _headers(app) -> list[tuple[str, str]]:
    # The token is in the URL: keep it out of caches and Referer headers.
    return [
        ("Content-Security-Policy", f"frame-ancestors {app.frame_ancestors}"),
        ("Cache-Control", "no-store"),
        ("Referrer-Policy", "no-referrer"),
    ]


def _page(app, status: int, title: str, body: str) -> Response:
    document = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
        f"<style>{CSS}</style></head><body>{body}</body></html>"
    )
    return html_response(status, document, _headers(app))


def _expired(app) -> Response:
    return _page(
        app,
        403,
        "myFAStrack",
        f"<header><h1>myFAStrack</h1></header><main><section><p>{esc(EXPIRED)}</p></section></main>",
    )


def _gone(app, title: str) -> Response:
    body = "<main><section><p>FAStrack no longer has this work order.</p></section></main>"
    return _page(app, 404, title, body)


def _session(app, token: str) -> tuple[Vendor, str] | None:
    return app.store.session(token)


def _button(token: str, action: str, label: str, hidden: dict | None = None) -> str:
    inputs = "".join(
        f"<input type='hidden' name='{esc(k)}' value='{esc(v)}'>" for k, v in (hidden or {}).items()
    )
    return (
        f"<form class='inline' method='post' action='/myfastrack/{esc(token)}/{action}'>{inputs}"
        f"<button type='submit'>{esc(label)}</button></form>"
    )


def _form(token: str, action: str, fields: str, label: str) -> str:
    return (
        f"<form method='post' action='/myfastrack/{esc(token)}/{action}'>{fields}"
        f"<button type='submit'>{esc(label)}</button></form>"
    )


def _question(q: dict) -> str:
    if q.get("type") == "section":
        inner = "".join(_question(sub) for sub in q.get("questions") or [])
        return f"<fieldset><legend>{esc(q.get('title'))}</legend>{inner}</fieldset>"
    name, kind, label = f"q_{q.get('id')}", q.get("answerType"), esc(q.get("label"))
    req = " required" if q.get("required") and kind != "photo" else ""
    if kind == "photo":
        field = "<span class='muted'>(photos are sent from Vendordesk)</span>"
    elif kind in ("yesNo", "choice"):
        options = ["yes", "no"] if kind == "yesNo" else [str(c) for c in q.get("choices") or []]
        field = (
            f"<select name='{esc(name)}'{req}><option value=''></option>"
            + "".join(f"<option value='{esc(o)}'>{esc(o)}</option>" for o in options)
            + "</select>"
        )
    else:
        html_type = {"number": "number", "date": "date"}.get(kind, "text")
        field = f"<input type='{html_type}' name='{esc(name)}'{req}>"
    return f"<div><label>{label} {field}</label></div>"


def _order_forms(store: Store, order: dict) -> list[dict]:
    """The order's form templates: its ``forms`` list plus any service's formId, each once."""
    wanted = [(f.get("formId"), f.get("version")) for f in order.get("forms") or [] if isinstance(f, dict)]
    wanted += [(s.get("formId"), None) for s in order.get("services") or [] if isinstance(s, dict)]
    templates, seen = [], set()
    for form_id, version in wanted:
        if not form_id or form_id in seen:
            continue
        template = store.get_form(str(form_id), version) or store.get_form(str(form_id))
        if template is not None:
            seen.add(form_id)
            templates.append(template)
    return templates


def _rows(items: list[dict], columns: list[tuple[str, str]], empty: str) -> str:
    if not items:
        return f"<p class='muted'>{esc(empty)}</p>" if empty else ""
    head = "".join(f"<th>{esc(title)}</th>" for _, title in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(i.get(key))}</td>" for key, _ in columns) + "</tr>" for i in items
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def render(app, req: Request, token: str) -> Response:
    found = _session(app, token)
    if found is None:
        return _expired(app)
    vendor, number = found
    with app.store.lock:
        order = app.store.find_order(vendor, number)
        if order is None:
            return _gone(app, "myFAStrack")
        extras = vendor.extras.get(number, {})
        body = _body(app.store, token, order, extras, req.query)
    return _page(app, 200, f"myFAStrack {number}", body)


def _body(store: Store, token: str, order: dict, extras: dict, query: dict) -> str:
    status = order.get("status", "new")
    t = token
    banner = "".join(
        f"<div class='{kind}'>{esc(query[kind])}</div>" for kind in ("ok", "error") if query.get(kind)
    )
    parts = ("address1", "address2", "city", "state", "zip")
    address = ", ".join(str(order.get(k)) for k in parts if order.get(k))
    decision = (
        _button(t, "accept", "Accept work order") + " " + _button(t, "deny", "Deny work order")
        if status == "new"
        else ""
    )
    done = set(extras.get("completedServices", []))
    services = "".join(
        f"<tr><td>{esc(s.get('serviceId'))}</td><td>{esc(s.get('serviceName'))}</td>"
        f"<td>{'Complete' if str(s.get('serviceId')) in done else 'Open'}</td><td>"
        + (
            ""
            if str(s.get("serviceId")) in done
            else _button(t, "complete-service", "Complete service", {"serviceId": s.get("serviceId")})
        )
        + "</td></tr>"
        for s in order.get("services") or []
        if isinstance(s, dict)
    )
    surveys = (
        "".join(
            f"<fieldset><legend>{esc(f.get('name'))} ({esc(f['formId'])} v{esc(f['version'])})</legend>"
            + _form(
                t,
                "survey",
                f"<input type='hidden' name='formId' value='{esc(f['formId'])}'>"
                f"<input type='hidden' name='version' value='{esc(f['version'])}'>"
                + "".join(_question(q) for q in f.get("questions") or []),
                "Complete survey",
            )
            + "</fieldset>"
            for f in _order_forms(store, order)
        )
        or "<p class='muted'>No surveys on this order.</p>"
    )
    done_surveys = _rows(
        extras.get("surveys", []), [("formId", "Form"), ("version", "Version"), ("at", "At")], ""
    )
    return f"""<header><h1>myFAStrack &middot; Work order {esc(order.get("workOrderNumber"))}
<span class='status'>{esc(status)}</span></h1></header><main>{banner}
<section><h2>Work order</h2><p>{esc(address)}<br>Due {esc(order.get("dueDate"))} &middot;
Client {esc(order.get("clientCode"))}</p>{decision}
<p><a href='/fastrack/workorders/{esc(t)}' target='_blank' rel='noopener'>
Open this work order in FAStrack</a></p>
</section>
<section id='instructions'><h2>Instructions</h2><p>{esc(order.get("instructions")) or "None."}</p></section>
<section><h2>Services</h2><table><tr><th>Id</th><th>Service</th><th>State</th><th></th></tr>{services}</table>
</section>
<section><h2>Surveys</h2>{surveys}{done_surveys}</section>
<section><h2>Discretionary items</h2>
{_rows(extras.get("discretionary", []), [("description", "Description"), ("amount", "Amount")], "None yet.")}
{
        _form(
            t,
            "discretionary",
            "<input name='description' placeholder='Description' required>"
            "<input name='amount' placeholder='Amount' required>",
            "Add item",
        )
    }</section>
<section id='invoices'><h2>Invoices</h2>
{
        _rows(
            extras.get("invoices", []),
            [("invoiceNumber", "Invoice"), ("amount", "Amount"), ("source", "Source")],
            "No invoices yet.",
        )
    }
{_button(t, "invoice", "Generate invoice from services", {"mode": "generate"})}
{
        _form(
            t,
            "invoice",
            "<input type='hidden' name='mode' value='attach'>"
            "<input name='invoiceNumber' placeholder='Invoice number' required>"
            "<input name='amount' placeholder='Amount' required>",
            "Attach invoice",
        )
    }</section>
<section><h2>Comments</h2>
{_rows(extras.get("comments", []), [("at", "At"), ("text", "Comment")], "None yet.")}
{_form(t, "comment", "<textarea name='text' rows='2' cols='60' required></textarea>", "Add comment")}
</section>
<section><h2>Support requests</h2>
{
        _rows(
            extras.get("support", []),
            [("at", "At"), ("subject", "Subject"), ("message", "Message")],
            "None yet.",
        )
    }
{
        _form(
            t,
            "support",
            "<input name='subject' placeholder='Subject' required>"
            "<textarea name='message' rows='2' cols='60' required></textarea>",
            "Request support",
        )
    }
</section>
<section><h2>Quality control</h2>{_button(t, "submit-qc", "Submit to QC")}</section></main>"""


def _amount(raw: str) -> str | None:
    try:
        value = Decimal(raw.replace("$", "").replace(",", "").strip())
    except InvalidOperation:
        return None
    return f"{value:.2f}" if value.is_finite() and value >= 0 else None


def _price(service_name: str) -> Decimal:
    # A stable made-up price per service name, so generated invoices are reproducible.
    digest = int(hashlib.sha256(service_name.encode()).hexdigest()[:6], 16)
    return Decimal(25 + digest % 226)


def _apply(action: str, form: dict, order: dict, extras: dict) -> tuple[str | None, str]:
    """Play one action against the order (first copy) and its portal state.

    Returns (new status or None, message); a message starting with "!" is an error and nothing changed.
    """
    status = order.get("status", "new")
    stamp = now_iso()
    if status in FINAL and action not in ("comment", "support"):
        return None, f"!This work order is {status}; it can no longer be changed."
    if action in ("accept", "deny"):
        if status != "new":
            return None, f"!Only a new work order can be accepted or denied (it is {status})."
        if action == "accept":
            return "accepted", "Work order accepted."
        return "denied", "Work order denied."
    # As FAStrack: work happens on an accepted order; it is invoiced once every service is complete, and
    # only a completed, invoiced order goes to QC.
    services = {str(s.get("serviceId")) for s in order.get("services") or [] if isinstance(s, dict)}
    open_services = services - set(extras.get("completedServices", []))
    if action == "submit-qc":
        if status != "accepted":
            return None, f"!Only an accepted work order can be submitted to QC (it is {status})."
        if open_services:
            return None, "!Complete every service before submitting to QC."
        if not extras.get("invoices"):
            return None, "!Generate or attach an invoice before submitting to QC."
        return "in_qc", "Submitted to QC."
    if action == "complete-service":
        if status != "accepted":
            return None, f"!Services can be completed only on an accepted work order (it is {status})."
        if form.get("serviceId") not in services:
            return None, "!Unknown service."
        if form["serviceId"] not in open_services:
            return None, "!That service is already complete."
        extras.setdefault("completedServices", []).append(form["serviceId"])
        return None, "Service completed."
    if action == "invoice":
        if status != "accepted" or open_services:
            return None, "!An accepted work order is invoiced once every service is complete."
        return _invoice(form, order, extras, stamp)
    if action == "survey":
        answers = {k[2:]: v for k, v in form.items() if k.startswith("q_")}
        item = {"formId": form.get("formId"), "version": form.get("version"), "answers": answers, "at": stamp}
        extras.setdefault("surveys", []).append(item)
        return None, "Survey completed."
    if action == "discretionary":
        amount = _amount(form.get("amount", ""))
        if not form.get("description", "").strip() or amount is None:
            return None, "!A discretionary item needs a description and an amount."
        extras.setdefault("discretionary", []).append(
            {"description": form["description"].strip(), "amount": amount, "at": stamp}
        )
        return None, "Discretionary item added."
    text_fields = {"comment": ("comments", ("text",)), "support": ("support", ("subject", "message"))}
    if action in text_fields:
        bucket, names = text_fields[action]
        if not all(form.get(n, "").strip() for n in names):
            return None, f"!Please fill in {' and '.join(names)}."
        extras.setdefault(bucket, []).append({**{n: form[n].strip() for n in names}, "at": stamp})
        return None, "Support requested." if action == "support" else "Comment added."
    return None, f"!Unknown action {action}."


def _invoice(form: dict, order: dict, extras: dict, stamp: str) -> tuple[None, str]:
    invoices = extras.setdefault("invoices", [])
    if form.get("mode") == "attach":
        amount = _amount(form.get("amount", ""))
        if not form.get("invoiceNumber", "").strip() or amount is None:
            return None, "!An attached invoice needs an invoice number and an amount."
        invoices.append(
            {
                "invoiceNumber": form["invoiceNumber"].strip(),
                "amount": amount,
                "source": "attached",
                "lines": [],
                "at": stamp,
            }
        )
        return None, "Invoice attached."
    lines = [
        {
            "serviceId": s.get("serviceId"),
            "serviceName": s.get("serviceName"),
            "amount": f"{_price(str(s.get('serviceName'))):.2f}",
        }
        for s in order.get("services") or []
        if isinstance(s, dict)
    ]
    total = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    number = f"INV-{order.get('workOrderNumber')}-{len(invoices) + 1}"
    invoices.append(
        {
            "invoiceNumber": number,
            "amount": f"{total:.2f}",
            "source": "generated",
            "lines": lines,
            "at": stamp,
        }
    )
    return None, f"Invoice {number} generated."


def act(app, req: Request, token: str, action: str) -> Response:
    found = _session(app, token)
    if found is None:
        return _expired(app)
    vendor, number = found
    form = req.form()
    store = app.store
    with store.lock:
        copies = vendor.by_number.get(number)
        if not copies:
            return _gone(app, "myFAStrack")
        before = copies[0].get("status", "new")
        extras = vendor.extras.setdefault(number, {})
        new_status, message = _apply(action, form, copies[0], extras)
        failed = message.startswith("!")
        if not failed:
            stamp = now_iso()
            for order in copies:  # duplicates of a number are one order to FAStrack staff
                order["updatedAt"] = stamp
                if new_status:
                    order["status"] = new_status
            store.save_orders(vendor)
        store.add_record(
            vendor,
            "portal-actions",
            {
                "action": action,
                "workOrderNumber": number,
                "data": form,
                "ok": not failed,
                "message": message.lstrip("!"),
                "statusBefore": before,
                "statusAfter": new_status or before,
                "at": now_iso(),
            },
        )
    key = "error" if failed else "ok"
    return redirect(f"/myfastrack/{token}?{urllib.parse.urlencode({key: message.lstrip('!')})}")


def fastrack_view(app, req: Request, token: str) -> Response:
    """Action 11: the order as FAStrack itself shows it, read-only."""
    found = _session(app, token)
    if found is None:
        return _expired(app)
    vendor, number = found
    with app.store.lock:
        order = app.store.find_order(vendor, number)
        if order is None:
            return _gone(app, "FAStrack")
        rows = "".join(
            f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
            for k, v in order.items()
            if k not in ("services", "forms")
        )
        services = _rows(
            [s for s in order.get("services") or [] if isinstance(s, dict)],
            [
                ("serviceId", "Id"),
                ("serviceName", "Service"),
                ("photoRequired", "Photos"),
                ("formId", "Form"),
            ],
            "No services.",
        )
        app.store.add_record(
            vendor,
            "portal-actions",
            {
                "action": "open-in-fastrack",
                "workOrderNumber": number,
                "data": {},
                "ok": True,
                "message": "",
                "statusBefore": order.get("status"),
                "statusAfter": order.get("status"),
                "at": now_iso(),
            },
        )
    body = (
        f"<header><h1>FAStrack &middot; Work order {esc(number)} (read only)</h1></header><main>"
        f"<section><table>{rows}</table></section><section><h2>Services</h2>{services}</section></main>"
    )
    return _page(app, 200, f"FAStrack {number}", body)


ROUTES = [
    ("GET", r"/myfastrack/(?P<token>[A-Za-z0-9_-]+)", render),
    ("POST", r"/myfastrack/(?P<token>[A-Za-z0-9_-]+)/(?P<action>[a-z-]+)", act),
    ("GET", r"/fastrack/workorders/(?P<token>[A-Za-z0-9_-]+)", fastrack_view),
]
