import Mustache

/// The console's pages as Mustache templates. `{{x}}` is HTML-escaped; the only unescaped value is
/// the layout's `{{{body}}}`, which is itself a rendered (escaped) template. No inline script.
enum ConsoleTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in ["layout": layout, "signin": signIn, "queue": queue, "ticket": ticket, "audit": audit, "message": message, "dashboard": dashboard] {
            // The templates are constants: a parse error is a programming error caught by any test.
            try! library.register(text, named: name)
        }
        return library
    }()

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · CivicGate console</title>
        <link rel="stylesheet" href="/console/style.css">
        </head>
        <body>
        <header class="bar">
          <a class="brand" href="/console/">CivicGate</a>
          {{#user}}
          <nav>
            <a href="/console/">Queue</a>
            <a href="/console/dashboard">Dashboard</a>
            {{#audit}}<a href="/console/audit">Audit log</a>{{/audit}}
            <span class="who">{{username}} · {{scope}} · {{role}}</span>
            <form method="post" action="/console/sign-out" class="inline">
              <input type="hidden" name="csrf" value="{{csrf}}">
              <button type="submit" class="link">Sign out</button>
            </form>
          </nav>
          {{/user}}
        </header>
        <main>
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let signIn = """
        <section class="signin">
          <h1>Sign in</h1>
          <p>Dispatcher console for municipal service requests.</p>
          {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
          <form method="post" action="/console/sign-in">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="username">Username</label>
            <input id="username" name="username" autocomplete="username" required autofocus value="{{username}}">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit" class="primary">Sign in</button>
          </form>
        </section>
        """

    static let queue = """
        <h1>{{heading}}</h1>
        {{#flash}}<p class="flash" role="status">{{flash}}</p>{{/flash}}
        <nav class="counts" aria-label="Tickets by status">
          {{#counts}}<a href="{{href}}"{{#current}} class="current" aria-current="page"{{/current}}>{{label}} <b>{{count}}</b></a>{{/counts}}
        </nav>
        <form method="get" action="/console/" class="filters">
          <label>Status <select name="status">{{#statusOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statusOptions}}</select></label>
          <label>Service <select name="service"><option value="">All services</option>{{#serviceOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/serviceOptions}}</select></label>
          <label>Area <select name="area"><option value="">All areas</option>{{#areaOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/areaOptions}}</select></label>
          <label class="check"><input type="checkbox" name="overdue" value="1"{{#overdue}} checked{{/overdue}}> Overdue only</label>
          <label class="check"><input type="checkbox" name="escalated" value="1"{{#escalated}} checked{{/escalated}}> Escalated only</label>
          <label>Sort <select name="sort">{{#sortOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/sortOptions}}</select></label>
          <button type="submit">Apply</button>
          <a class="button" href="/console/export.csv{{query}}">Export CSV</a>
        </form>
        <form method="post" action="/console/bulk">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="back" value="{{query}}">
          <table class="queue">
            <thead><tr><th scope="col"><span class="sr">Select</span></th><th scope="col">Reference</th><th scope="col">Service and fault</th>
              <th scope="col">Area</th><th scope="col">Age</th><th scope="col">Status</th><th scope="col">Due</th><th scope="col">Assignee</th>{{#showMOE}}<th scope="col">MOE</th>{{/showMOE}}</tr></thead>
            <tbody>
            {{#tickets}}
              <tr{{#overdue}} class="overdue"{{/overdue}}>
                <td><input type="checkbox" name="ref" value="{{reference}}" aria-label="Select {{grouped}}"></td>
                <td><a href="/console/tickets/{{reference}}">{{grouped}}</a></td>
                <td>{{service}}: {{fault}}</td>
                <td>{{area}}</td>
                <td>{{age}}</td>
                <td><span class="status s-{{status}}">{{statusLabel}}</span></td>
                <td>{{due}}{{#overdue}} <b class="late">overdue</b>{{/overdue}}{{#dueSoon}} <b class="soon">due soon</b>{{/dueSoon}}{{#escalation}} <b class="late">escalated L{{escalation}}</b>{{/escalation}}</td>
                <td>{{assignee}}</td>
                {{#showMOE}}<td>{{moe}}</td>{{/showMOE}}
              </tr>
            {{/tickets}}
            {{^tickets}}<tr><td colspan="9" class="empty">No tickets match these filters.</td></tr>{{/tickets}}
            </tbody>
          </table>
          <div class="bulk">
            <span>With selected:</span>
            <button type="submit" name="action" value="acknowledge">Acknowledge</button>
            <label><span class="sr">Crew or person</span><input name="assignee" placeholder="Crew or person" maxlength="80"></label>
            <button type="submit" name="action" value="assign">Assign</button>
          </div>
        </form>
        <nav class="pages" aria-label="Pages">
          {{#previous}}<a href="{{previous}}" rel="prev">← Previous</a>{{/previous}}
          <span>Page {{page}} of {{pages}} · {{total}}</span>
          {{#next}}<a href="{{next}}" rel="next">Next →</a>{{/next}}
        </nav>
        """

    static let ticket = """
        <p class="back"><a href="/console/">← Queue</a></p>
        <h1>Ticket {{grouped}} <span class="status s-{{status}}">{{statusLabel}}</span></h1>
        {{#flash}}<p class="flash" role="status">{{flash}}</p>{{/flash}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <div class="columns">
          <section class="details" aria-label="Details">
            <dl>
              <dt>Service</dt><dd>{{service}}: {{fault}}</dd>
              <dt>Area</dt><dd>{{area}}</dd>
              <dt>Address or landmark</dt><dd>{{address}}</dd>
              <dt>Description</dt><dd class="description">{{description}}{{^description}}<i>none given</i>{{/description}}</dd>
              <dt>Reported</dt><dd>{{created}} by {{channel}} ({{age}} ago)</dd>
              <dt>Due</dt><dd>{{due}}{{#overdue}} <b class="late">overdue</b>{{/overdue}}{{#dueSoon}} <b class="soon">due soon</b>{{/dueSoon}}{{#escalation}} <b class="late">escalated to level {{escalation}}</b>{{/escalation}}</dd>
              {{#expected}}<dt>Expected</dt><dd>{{expected}}</dd>{{/expected}}
              <dt>MOE and queue</dt><dd>{{moe}} · {{queue}}</dd>
              <dt>Assigned to</dt><dd>{{assignee}}{{^assignee}}<i>nobody yet</i>{{/assignee}}</dd>
              {{#publicUpdate}}<dt>Last public update</dt><dd>{{publicUpdate}}</dd>{{/publicUpdate}}
              <dt>Reporter</dt>
              <dd>{{#number}}<span class="number">{{number}}</span>{{/number}}{{^number}}{{#masked}}<span class="number">{{masked}}</span>
                <form method="post" action="/console/tickets/{{reference}}/show-number" class="inline">
                  <input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="link">Show number</button>
                </form>{{/masked}}{{^masked}}<i>no phone number</i>{{/masked}}{{/number}}</dd>
              {{#duplicateOf}}<dt>Duplicate of</dt><dd><a href="/console/tickets/{{duplicateOf}}">{{duplicateOfGrouped}}</a></dd>{{/duplicateOf}}
              {{#hasDuplicates}}<dt>Duplicates</dt><dd>{{#duplicates}}<a href="/console/tickets/{{reference}}">{{grouped}}</a> {{/duplicates}}</dd>{{/hasDuplicates}}
              <dt>Reporters told of public updates</dt><dd>{{reporters}}</dd>
            </dl>
          </section>
          <section class="actions" aria-label="Actions">
            {{#canAcknowledge}}
            <form method="post" action="/console/tickets/{{reference}}/acknowledge">
              <input type="hidden" name="csrf" value="{{csrf}}">
              <button type="submit" class="primary">Acknowledge</button>
            </form>
            {{/canAcknowledge}}
            <form method="post" action="/console/tickets/{{reference}}/assign" class="row">
              <input type="hidden" name="csrf" value="{{csrf}}">
              <label for="assignee">Assign to</label>
              <input id="assignee" name="assignee" required maxlength="80" placeholder="Crew or person" value="{{assignee}}">
              <button type="submit">Assign</button>
            </form>
            <form method="post" action="/console/tickets/{{reference}}/status" class="status-form">
              <input type="hidden" name="csrf" value="{{csrf}}">
              <label for="status">Status</label>
              <select id="status" name="status">{{#statusOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statusOptions}}</select>
              <label for="expected">Expected date (needed for Scheduled)</label>
              <input id="expected" name="expected" type="date">
              <label for="message">Message</label>
              <textarea id="message" name="message" rows="3" maxlength="500" placeholder="What residents are told, or a note for colleagues"></textarea>
              <fieldset>
                <legend>Send as</legend>
                <label><input type="radio" name="visibility" value="public" checked> Public update: SMS to {{reporters}} reporter(s)</label>
                <label><input type="radio" name="visibility" value="internal"> Internal note: no SMS</label>
              </fieldset>
              <button type="submit" class="primary">Save</button>
            </form>
            <details>
              <summary>Not ours: re-route to another MOE</summary>
              <form method="post" action="/console/tickets/{{reference}}/reroute">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <label for="queue">To queue</label>
                <select id="queue" name="queue">{{#queueGroups}}<optgroup label="{{label}}">{{#queues}}<option value="{{value}}">{{value}}</option>{{/queues}}</optgroup>{{/queueGroups}}</select>
                <label for="reason">Reason (the other MOE reads it)</label>
                <textarea id="reason" name="reason" rows="2" maxlength="500" required></textarea>
                <button type="submit">Re-route</button>
              </form>
            </details>
            <details>
              <summary>Duplicate of another ticket</summary>
              <form method="post" action="/console/tickets/{{reference}}/duplicate">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <label for="master">Reference of the original ticket</label>
                <input id="master" name="master" required inputmode="numeric" placeholder="482 109 375">
                <button type="submit">Mark duplicate</button>
              </form>
            </details>
          </section>
        </div>
        <section class="history">
          <h2>History</h2>
          <ol class="timeline">
          {{#history}}
            <li><time>{{at}}</time> <b>{{what}}</b>{{#note}} <q>{{note}}</q>{{/note}}{{#public}} <span class="tag">public · SMS</span>{{/public}} <span class="actor">{{actor}}</span></li>
          {{/history}}
          </ol>
        </section>
        """

    static let audit = """
        <h1>Audit log</h1>
        <table class="audit">
          <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Ticket</th><th scope="col">Detail</th></tr></thead>
          <tbody>
          {{#entries}}<tr><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{#reference}}<a href="/console/tickets/{{reference}}">{{grouped}}</a>{{/reference}}</td><td>{{detail}}</td></tr>{{/entries}}
          {{^entries}}<tr><td colspan="5" class="empty">Nothing recorded yet.</td></tr>{{/entries}}
          </tbody>
        </table>
        <nav class="pages">{{#previous}}<a href="{{previous}}">← Newer</a>{{/previous}} <span>Page {{page}}</span> {{#next}}<a href="{{next}}">Older →</a>{{/next}}</nav>
        """

    static let message = """
        <section class="message">
          <h1>{{heading}}</h1>
          <p>{{text}}</p>
          <p><a href="{{href}}">{{link}}</a></p>
        </section>
        """
}

extension ConsoleTemplates {
    /// Every chart is SVG drawn from numbers worked out in Swift (escaped like any value), with
    /// its table beside it.
    static let dashboard = """
        <h1>{{scope}}: dashboard</h1>
        <form method="get" action="/console/dashboard" class="filters">
          {{#admin}}<label>MOE <select name="moe"><option value="">All</option>{{#moeOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/moeOptions}}</select></label>{{/admin}}
          <label>Service <select name="service"><option value="">All</option>{{#serviceOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/serviceOptions}}</select></label>
          <label>Area <select name="area"><option value="">All</option>{{#areaOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/areaOptions}}</select></label>
          <label>From <input type="date" name="from" value="{{from}}"></label>
          <label>To <input type="date" name="to" value="{{to}}"></label>
          <button type="submit">Show</button>
          <a href="/console/dashboard.csv{{csv}}">Download the table (CSV)</a>
        </form>
        <section class="chart" aria-labelledby="received-heading">
          <h2 id="received-heading">Tickets received per day, by channel</h2>
          <div class="chart-pair">
          <svg class="received" role="img" aria-labelledby="received-heading" width="{{chartWidth}}" height="200" viewBox="0 0 {{chartWidth}} 200">
            <line x1="38" y1="180" x2="{{chartWidth}}" y2="180" class="axis"/>
            <text x="0" y="24" class="tick">{{busiest}}</text><text x="0" y="184" class="tick">0</text>
            {{#bars}}{{#segments}}<rect x="{{x}}" y="{{y}}" width="10" height="{{height}}" class="c-{{channel}}"><title>{{label}}</title></rect>{{/segments}}{{/bars}}
          </svg>
          <table class="figures">
            <thead><tr><th scope="col">Day</th>{{#channels}}<th scope="col"><span class="key c-{{code}}"></span>{{label}}</th>{{/channels}}<th scope="col">Total</th></tr></thead>
            <tbody>{{#days}}<tr><th scope="row">{{day}}</th>{{#counts}}<td>{{n}}</td>{{/counts}}<td>{{total}}</td></tr>{{/days}}</tbody>
          </table>
          </div>
        </section>
        <section class="chart" aria-labelledby="target-heading">
          <h2 id="target-heading">Resolved within target, by service (MFMA Circular 88 style)</h2>
          <div class="chart-pair">
          <svg class="targets" role="img" aria-labelledby="target-heading" width="500" height="{{serviceChartHeight}}" viewBox="0 0 500 {{serviceChartHeight}}">
            {{#services}}<text x="0" y="{{textY}}" class="tick">{{name}}</text><rect x="140" y="{{y}}" width="{{width}}" height="20" class="pct"><title>{{name}}: {{pct}}</title></rect><text x="{{labelX}}" y="{{textY}}" class="tick">{{pct}}</text>{{/services}}
          </svg>
          <table class="figures">
            <thead><tr><th scope="col">Service</th><th scope="col">Received</th><th scope="col">Acknowledged</th><th scope="col">Resolved</th><th scope="col">Reopened</th>
              <th scope="col">Median h to acknowledge</th><th scope="col">Median h to resolve</th><th scope="col">p90 h to resolve</th>
              <th scope="col">Acknowledged within target</th><th scope="col">Resolved within target</th><th scope="col">Satisfaction (1-5)</th><th scope="col">Ratings</th></tr></thead>
            <tbody>
            {{#services}}<tr><th scope="row">{{name}}</th><td>{{received}}</td><td>{{acknowledged}}</td><td>{{resolved}}</td><td>{{reopened}}</td><td>{{ack}}</td><td>{{res}}</td><td>{{p90}}</td><td>{{ackPct}}</td><td>{{resPct}}</td><td>{{satisfaction}}</td><td>{{responses}}</td></tr>{{/services}}
            {{^services}}<tr><td colspan="12" class="empty">No tickets received in this period.</td></tr>{{/services}}
            {{#total}}<tr class="total"><th scope="row">All services</th><td>{{received}}</td><td>{{acknowledged}}</td><td>{{resolved}}</td><td>{{reopened}}</td><td>{{ack}}</td><td>{{res}}</td><td>{{p90}}</td><td>{{ackPct}}</td><td>{{resPct}}</td><td>{{satisfaction}}</td><td>{{responses}}</td></tr>{{/total}}
            </tbody>
          </table>
          </div>
        </section>
        <p class="note">Hours are calendar hours; "within target" uses each service's calendar and counts only tickets whose outcome is known. Definitions: docs/indicators.md.</p>
        """
}
