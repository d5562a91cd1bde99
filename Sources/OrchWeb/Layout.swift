import Foundation
import Hummingbird
import NIOCore
import OrchExecution

/// The page around every view: navigation, one stylesheet, and the small
/// script (served from `/static/orch.js`, so the content security policy
/// can forbid inline scripts: markup that slipped through escaping still
/// would not run).
enum Layout {
    enum Section: String, CaseIterable {
        case runs = "Runs", schedules = "Schedules", tests = "Tests", lineage = "Lineage", segments = "Segments",
             catalog = "Catalog", ask = "Ask"

        var path: String { self == .runs ? "/" : "/\(rawValue.lowercased())" }
    }

    /// A whole page. `refresh`: seconds between reloads of `<main>` while something is running (nil: none).
    static func page(_ title: String, section: Section?, refresh: Int? = nil, _ body: HTML) -> Response {
        let nav = Section.allCases.map { s -> HTML in
            s == section ? "<a class=\"here\" href=\"\(s.path)\">\(s.rawValue)</a>" : "<a href=\"\(s.path)\">\(s.rawValue)</a>"
        }.joined(separator: " ")
        let page: HTML = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · orch</title><style>\(HTML(trusted: css))</style><script src="/static/orch.js" defer></script></head>
        <body\(refresh.map { HTML(trusted: " data-refresh=\"\($0)\"") } ?? .empty)>
        <header><a class="brand" href="/">orch</a> <nav>\(nav)</nav></header>
        <main>\(body)</main>
        </body></html>
        """
        return response(.ok, page)
    }

    static func response(_ status: HTTPResponse.Status, _ html: HTML) -> Response {
        Response(status: status, headers: headers(contentType: "text/html; charset=utf-8"),
                 body: .init(byteBuffer: ByteBuffer(string: html.markup)))
    }

    /// Plain text (a whole log file): never interpreted by the browser.
    static func text(_ text: String) -> Response {
        var h = headers(contentType: "text/plain; charset=utf-8")
        h[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func headers(contentType: String) -> HTTPFields {
        var h = HTTPFields()
        h[.contentType] = contentType
        h[.cacheControl] = "no-store"
        h[.init("Content-Security-Policy")!] = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        h[.init("X-Content-Type-Options")!] = "nosniff"
        h[.init("Referrer-Policy")!] = "no-referrer"
        return h
    }

    static func notFound(_ what: String) -> Response {
        page("Not found", section: nil, "<h1>Not found</h1><p>\(what)</p>").with(status: .notFound)
    }

    /// A state as a coloured label.
    static func badge(_ state: String) -> HTML { "<span class=\"badge s-\(state)\">\(state.replacingOccurrences(of: "_", with: " "))</span>" }

    static let css = """
    :root{--ok:#2e7d32;--fail:#c62828;--up:#ef6c00;--run:#1565c0;--retry:#8e24aa;--skip:#9e9e9e;--pend:#cfd8dc;--bg:#fafafa;--line:#e0e0e0}
    body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:var(--bg);color:#212121}
    header{background:#263238;color:#fff;padding:8px 16px;display:flex;gap:24px;align-items:center}
    header a{color:#cfd8dc;text-decoration:none;margin-right:12px} header a.here,header a:hover{color:#fff} .brand{font-weight:700;color:#fff}
    main{padding:16px 24px} h1{font-size:20px;margin:4px 0 12px} h2{font-size:16px;margin:20px 0 8px}
    table{border-collapse:collapse;background:#fff;width:100%} th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
    th{background:#eceff1;font-weight:600} td.num,th.num{text-align:right} code,pre{font-family:ui-monospace,Menlo,monospace;font-size:12px}
    pre{background:#263238;color:#eceff1;padding:8px;overflow:auto;max-height:360px;white-space:pre-wrap;word-break:break-all}
    .badge{display:inline-block;padding:0 6px;border-radius:8px;color:#fff;font-size:12px}
    .s-succeeded,.s-pass{background:var(--ok)} .s-failed,.s-crashed,.s-fail,.s-error,.s-timed_out{background:var(--fail)} .s-upstream_failed{background:var(--up)}
    .s-running{background:var(--run)} .s-retried{background:var(--retry)} .s-skipped,.s-cancelled{background:var(--skip)} .s-pending,.s-warn{background:#f9a825}
    .report{border-left:4px solid var(--fail);background:#fff;padding:4px 16px;margin-bottom:16px} .muted{color:#757575}
    form.filters{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:12px;align-items:end} form.filters label{display:flex;flex-direction:column;font-size:12px}
    .pager{margin:12px 0;display:flex;gap:16px} svg text{font:11px system-ui,sans-serif} .scroll{overflow:auto;background:#fff;border:1px solid var(--line)}
    .dots span{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:2px} .big{font-size:40px;font-weight:700}
    tr:target{background:#fff8e1} details{margin:4px 0} summary{cursor:pointer}
    """

    /// Served at `/static/orch.js`: while a run is active, reload `<main>` in place (keeping the scroll position).
    static let script = """
    (function(){var s=document.body.dataset.refresh;if(!s)return;var ms=Math.max(1,parseInt(s,10))*1000;
    function tick(){fetch(location.href,{credentials:'same-origin'}).then(function(r){return r.text()}).then(function(t){
    var d=new DOMParser().parseFromString(t,'text/html');var m=d.querySelector('main');if(m){document.querySelector('main').replaceWith(m)}
    if(d.body.dataset.refresh){setTimeout(tick,ms)}else{delete document.body.dataset.refresh}}).catch(function(){setTimeout(tick,ms*2)})}
    setTimeout(tick,ms)})();
    """
}

extension Response {
    func with(status: HTTPResponse.Status) -> Response {
        var r = self
        r.status = status
        return r
    }
}
