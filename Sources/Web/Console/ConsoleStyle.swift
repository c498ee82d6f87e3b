/// The console's one stylesheet: plain CSS, readable at 1366×768, no web fonts, no images.
enum ConsoleStyle {
    static let css = """
        *{box-sizing:border-box}
        body{margin:0;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f4f5f7}
        a{color:#0b5cad}
        .bar{display:flex;align-items:center;justify-content:space-between;gap:1rem;padding:.5rem 1rem;background:#123;color:#fff}
        .bar a{color:#fff}.brand{font-weight:700;text-decoration:none}
        .bar nav{display:flex;align-items:center;gap:1rem}.who{opacity:.85}
        main{max-width:1340px;margin:0 auto;padding:.75rem 1rem}
        h1{font-size:1.35rem;margin:.25rem 0 .75rem}h2{font-size:1.1rem}
        .inline{display:inline}
        button,.button{font:inherit;padding:.35rem .8rem;border:1px solid #8a96a3;border-radius:4px;background:#fff;color:#1b1f24;cursor:pointer;text-decoration:none;display:inline-block}
        button.primary{background:#0b5cad;border-color:#0b5cad;color:#fff;font-weight:600}
        button.link{border:0;background:none;color:inherit;text-decoration:underline;padding:0}
        .bar button.link{color:#fff}
        input,select,textarea{font:inherit;padding:.3rem .4rem;border:1px solid #8a96a3;border-radius:4px;max-width:100%}
        .flash{background:#e3f4e8;border-left:4px solid #1e7b34;padding:.5rem .75rem}
        .error{background:#fdecea;border-left:4px solid #b3261e;padding:.5rem .75rem}
        .counts{display:flex;flex-wrap:wrap;gap:.4rem;margin-bottom:.6rem}
        .counts a{padding:.2rem .6rem;border-radius:999px;background:#fff;border:1px solid #c9d1d9;text-decoration:none;color:#1b1f24}
        .counts a.current{background:#0b5cad;color:#fff;border-color:#0b5cad}
        .filters{display:flex;flex-wrap:wrap;align-items:end;gap:.6rem;margin-bottom:.6rem}
        .filters label{display:flex;flex-direction:column;font-size:.85rem}.filters label.check{flex-direction:row;gap:.3rem;align-items:center}
        table{width:100%;border-collapse:collapse;background:#fff}
        th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e1e4e8;vertical-align:top}
        th{background:#eef1f4;font-size:.85rem}
        tr.overdue td{background:#fff6e5}.late{color:#b3261e}.soon{color:#8a5a00}
        .chart-pair{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}.chart svg{max-width:100%;height:auto}
        .axis{stroke:#666}.tick{font-size:11px;fill:#333}.pct{fill:#2e7d32}
        .c-ussd{fill:#1565c0;background:#1565c0}.c-sms{fill:#6a1b9a;background:#6a1b9a}.c-bulk{fill:#ef6c00;background:#ef6c00}
        .c-open311{fill:#00838f;background:#00838f}.c-console{fill:#757575;background:#757575}
        .key{display:inline-block;width:.7em;height:.7em;margin-right:.3em}table.figures td{text-align:right}tr.total{font-weight:bold}
        .empty{text-align:center;color:#57606a;padding:1.2rem}
        .status{display:inline-block;padding:.05rem .5rem;border-radius:4px;background:#e1e4e8;font-size:.85rem}
        .s-new{background:#ffe6a7}.s-acknowledged,.s-assigned{background:#d6e8fa}.s-in_progress,.s-scheduled{background:#dcd3f5}
        .s-resolved,.s-closed{background:#d4f0dc}.s-duplicate,.s-rejected{background:#e1e4e8}
        .bulk{display:flex;gap:.5rem;align-items:center;padding:.5rem 0}
        .pages{display:flex;gap:1rem;justify-content:center;padding:.5rem}
        .columns{display:grid;grid-template-columns:minmax(0,1.2fr) minmax(0,1fr);gap:1rem}
        .details dl{display:grid;grid-template-columns:11rem 1fr;gap:.3rem .8rem;margin:0;background:#fff;padding:.75rem;border-radius:6px}
        .details dt{color:#57606a}.details dd{margin:0}
        .description{white-space:pre-wrap;overflow-wrap:anywhere}
        .actions{display:flex;flex-direction:column;gap:.6rem}
        .actions form,.actions details{background:#fff;padding:.6rem .75rem;border-radius:6px}
        .actions label{display:block;font-size:.85rem;margin-top:.3rem}
        .actions .row{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}.actions .row label{margin:0}
        .status-form textarea{width:100%}
        fieldset{border:0;padding:0;margin:.4rem 0}
        .timeline{list-style:none;padding:0;margin:0;background:#fff;border-radius:6px}
        .timeline li{padding:.4rem .75rem;border-bottom:1px solid #e1e4e8}
        .timeline time{color:#57606a;margin-right:.5rem}.actor{color:#57606a;font-size:.85rem}
        .tag{background:#d4f0dc;border-radius:4px;padding:0 .35rem;font-size:.8rem}
        .signin{max-width:22rem;margin:3rem auto;background:#fff;padding:1.25rem 1.5rem;border-radius:8px}
        .signin label{display:block;margin-top:.6rem}.signin input{width:100%}.signin button{margin-top:1rem;width:100%}
        .sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
        .message{max-width:36rem;margin:2rem auto;background:#fff;padding:1rem 1.5rem;border-radius:8px}
        """
}
