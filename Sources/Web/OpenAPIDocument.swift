import Domain
import Foundation
import Gateway

/// The OpenAPI 3.1 description of the MOE API, the bulk API and the webhooks: the one source of
/// `/api/v1/openapi.json` and of `docs/openapi.json` (`civicgate openapi` writes it; a test checks
/// the two are the same and that every `/api/v1` route the router has is described, and nothing
/// else). CI validates it and runs schemathesis against a serve.
public enum OpenAPIDocument {
    typealias Object = [String: Any]

    static func ref(_ name: String) -> Object { ["$ref": "#/components/schemas/\(name)"] }
    static func array(_ items: Object) -> Object { ["type": "array", "items": items] }
    static var string: Object { ["type": "string"] }
    static var integer: Object { ["type": "integer"] }
    static var dateTime: Object { ["type": "string", "format": "date-time"] }

    static func object(_ properties: Object, required: [String] = []) -> Object {
        var o: Object = ["type": "object", "properties": properties]
        if !required.isEmpty { o["required"] = required }
        return o
    }

    static func json(_ description: String, _ schema: Object) -> Object {
        ["description": description, "content": ["application/json": ["schema": schema]]]
    }

    static func error(_ description: String) -> Object { json(description, ref("Error")) }

    /// The answers every MOE API operation may give besides its own.
    static var moeErrors: Object {
        ["401": error("No MOE API token, or not a valid one"),
         "429": json("Too many requests from this address: wait the seconds `Retry-After` says", ref("Error"))]
    }

    static func operation(_ id: String, _ summary: String, tags: [String], parameters: [Object] = [], body: Object? = nil,
                          responses: Object, security: String = "moeToken") -> Object {
        var op: Object = ["operationId": id, "summary": summary, "tags": tags, "responses": responses.merging(moeErrors) { a, _ in a },
                          "security": [[security: [String]()]]]
        if !parameters.isEmpty { op["parameters"] = parameters }
        if let body { op["requestBody"] = ["required": true, "content": ["application/json": ["schema": body]]] }
        return op
    }

    static func path(_ name: String, _ schema: Object, _ description: String) -> Object {
        ["name": name, "in": "path", "required": true, "description": description, "schema": schema]
    }

    static func query(_ name: String, _ schema: Object, _ description: String, required: Bool = false) -> Object {
        ["name": name, "in": "query", "required": required, "description": description, "schema": schema]
    }

    static var reference: Object { path("reference", ["type": "string"], "The ticket's 9-digit reference") }
    static var incidentID: Object { path("id", ["type": "integer"], "The incident's id") }

    static var paths: Object {
        let ticket = json("The ticket as it now stands", ref("Ticket"))
        let incident = json("The incident", ref("Incident"))
        return [
            "/api/v1/tickets": ["get": operation("listTickets", "The MOE's tickets, newest first, 500 a page", tags: ["Tickets"], parameters: [
                query("status", ["type": "string", "enum": ["open"] + TicketStatus.allCases.map(\.rawValue)], "Only this status (default: the open ones)"),
                query("possible_duplicates", ["type": "string", "enum": ["1", "true"]], "Only the possible duplicates waiting on a dispatcher"),
                query("page", ["type": "integer", "minimum": 1, "maximum": 100_000], "The page, from 1"),
            ], responses: ["200": json("A page of tickets", ref("TicketList")), "400": error("A filter that is not one")])],
            "/api/v1/tickets/{reference}": ["get": operation("getTicket", "One ticket of the MOE", tags: ["Tickets"], parameters: [reference],
                                                             responses: ["200": ticket, "404": error("No such ticket in this MOE")])],
            "/api/v1/tickets/{reference}/status": ["post": operation(
                "changeStatus", "Change a ticket's status, with a public update residents are sent and an internal note", tags: ["Tickets"],
                parameters: [reference], body: ref("StatusChange"),
                responses: ["200": ticket, "400": error("Not a status change"), "404": error("No such ticket"), "409": error("Not allowed from its status")])],
            "/api/v1/tickets/{reference}/priority": ["post": operation(
                "changePriority", "Raise a ticket to urgent or lower it to normal", tags: ["Tickets"], parameters: [reference], body: ref("PriorityChange"),
                responses: ["200": ticket, "400": error("Not a priority"), "404": error("No such ticket"), "409": error("Not allowed from its status")])],
            "/api/v1/tickets/{reference}/assign": ["post": operation(
                "assignCrew", "Give a ticket to one of the MOE's field crews (its members get the job card by SMS)", tags: ["Tickets"],
                parameters: [reference], body: ref("CrewAssignment"),
                responses: ["200": ticket, "400": error("Not a crew's name"), "404": error("No such ticket, or no crew of that name"),
                            "409": error("Already with that crew, or closed")])],
            "/api/v1/indicators": ["get": operation("getIndicators", "The MOE's service indicators for a period of at most 400 days", tags: ["Indicators"],
                parameters: [query("from", ["type": "string", "format": "date"], "First day", required: true),
                             query("to", ["type": "string", "format": "date"], "Last day", required: true)],
                responses: ["200": json("The figures (docs/indicators.md)", ref("IndicatorReport")), "400": error("Not a period")])],
            "/api/v1/incidents": [
                "get": operation("listIncidents", "The MOE's open incidents", tags: ["Incidents"],
                                 responses: ["200": json("Open incidents", object(["incidents": array(ref("Incident"))], required: ["incidents"]))]),
                "post": operation("declareIncident", "Declare an incident: residents reporting that service in its areas are told", tags: ["Incidents"],
                                  body: ref("IncidentInput"), responses: ["201": json("Declared", ref("Incident")), "400": error("Not an incident"),
                                                                          "404": error("No such incident")]),
            ],
            "/api/v1/incidents/{id}": [
                "get": operation("getIncident", "One incident with its history and newest linked tickets", tags: ["Incidents"], parameters: [incidentID],
                                 responses: ["200": incident, "404": error("No such incident in this MOE")]),
                "post": operation("updateIncident", "A public update: description, expected end, more areas or faults", tags: ["Incidents"],
                                  parameters: [incidentID], body: ref("IncidentInput"),
                                  responses: ["200": incident, "400": error("Nothing to change"), "404": error("No such incident"), "409": error("Closed")]),
            ],
            "/api/v1/incidents/{id}/close": ["post": operation("closeIncident", "Close an incident with a last public update", tags: ["Incidents"],
                parameters: [incidentID], body: ref("IncidentInput"),
                responses: ["200": incident, "400": error("No description"), "404": error("No such incident"), "409": error("Closed already")])],
            "/api/v1/incidents/{id}/tickets": ["post": operation("linkTickets", "Link open tickets of the incident's service and areas to it", tags: ["Incidents"],
                parameters: [incidentID], body: ref("TicketSelection"),
                responses: ["200": json("How many were linked", object(["linked": integer], required: ["linked"])), "400": error("Not a selection"),
                            "404": error("No such incident"), "409": error("Closed")])],
            "/api/v1/incidents/{id}/tickets/{reference}": ["delete": operation("unlinkTicket", "Unlink a ticket from an incident", tags: ["Incidents"],
                parameters: [incidentID, reference],
                responses: ["200": json("Unlinked", object(["unlinked": string], required: ["unlinked"])), "404": error("No such ticket linked to it")])],
            "/api/v1/bulk-reports": ["post": [
                "operationId": "uploadBulkReports", "tags": ["Bulk reports"], "security": [["organisationKey": [String]()]],
                "summary": "An organisation's reports as CSV (columns \(BulkReports.columns.joined(separator: ", "))): good rows are filed even when others are bad",
                "requestBody": ["required": true, "content": ["text/csv": ["schema": ["type": "string"]]]],
                "responses": [
                    "200": json("Each row's reference, or its problems by column", ref("BulkSummary")),
                    "400": error("Not CSV, or not its columns"), "401": error("No organisation API key, or not a valid one"),
                    "413": error("Too large: split the file"), "415": error("Not text/csv"),
                    "429": json("Too many requests from this address", ref("Error")),
                ],
            ] as Object],
            "/api/v1/openapi.json": ["get": [
                "operationId": "getOpenAPI", "tags": ["About"], "summary": "This document", "security": [Object](),
                "responses": ["200": json("OpenAPI 3.1", ["type": "object"])],
            ] as Object],
        ]
    }

    static var schemas: Object {
        let statuses = TicketStatus.allCases.map(\.rawValue)
        return [
            "Error": object(["error": string], required: ["error"]),
            "Ticket": object([
                "reference": ["type": "string", "pattern": "^[0-9]{9}$"], "service": string, "fault": string, "area": string, "address": string,
                "description": string, "queue": string, "status": ["type": "string", "enum": statuses], "channel": string, "publicUpdate": string,
                "expectedAt": dateTime, "createdAt": dateTime, "updatedAt": dateTime, "moe": string, "assignee": string, "dueAt": dateTime,
                "duplicateOf": string, "escalationLevel": integer, "incident": integer, "priority": ["type": "string", "enum": ["normal", "urgent"]],
                "crew": string, "fieldFlag": string, "possibleDuplicateOf": string, "due": dateTime, "overdue": ["type": "boolean"],
                "due_soon": ["type": "boolean"], "escalation_level": integer,
            ], required: ["reference", "service", "fault", "area", "address", "description", "queue", "status", "channel", "createdAt", "updatedAt",
                          "moe", "escalationLevel", "priority", "overdue", "due_soon", "escalation_level"]),
            "TicketList": object(["tickets": array(ref("Ticket")), "total": integer, "page": integer, "possible_duplicates": integer],
                                 required: ["tickets", "total", "page", "possible_duplicates"]),
            "StatusChange": object(["status": ["type": "string", "enum": statuses.filter { $0 != "new" && $0 != "duplicate" }],
                                    "public_update": ["type": "string", "maxLength": 500], "internal_note": string,
                                    "expected_date": ["type": "string", "format": "date"]], required: ["status"])
                .merging(["examples": [["status": "in_progress", "public_update": "A team is on the way."]]]) { a, _ in a },
            "PriorityChange": object(["priority": ["type": "string", "enum": ["normal", "urgent"]], "reason": string], required: ["priority"])
                .merging(["examples": [["priority": "urgent", "reason": "A hospital is without water"]]]) { a, _ in a },
            "CrewAssignment": object(["crew": string], required: ["crew"]).merging(["examples": [["crew": "Soweto North"]]]) { a, _ in a },
            "Incident": object([
                "id": integer, "service": string, "faults": array(string), "areas": array(string), "description": string, "expected_at": dateTime,
                "status": ["type": "string", "enum": ["open", "closed"]], "created_at": dateTime, "updated_at": dateTime,
                "planned": ["type": "boolean", "description": "Planned works, announced ahead with a start"], "starts_at": dateTime,
                "phase": ["type": "string", "enum": IncidentPhase.allCases.map(\.rawValue),
                          "description": "announced (planned, not started), current, overdue (open past expected_at), ended, cancelled (closed before its start)"],
                "history": array(object(["at": dateTime, "kind": string, "description": string, "expected_at": dateTime, "areas": array(string),
                                         "actor": string], required: ["at", "kind", "areas", "actor"])),
                "linked_tickets": integer, "attached_residents": integer,
                "tickets": array(object(["reference": string, "fault": string, "area": string, "status": string], required: ["reference", "fault", "area", "status"])),
            ], required: ["id", "service", "faults", "areas", "description", "status", "created_at", "updated_at"]),
            "IncidentInput": object(["service": string, "faults": array(string), "areas": array(string), "description": string, "expected_at": dateTime,
                                     "planned": ["type": "boolean", "description": "Planned works: starts_at (in the future) and expected_at (the end) required"],
                                     "starts_at": dateTime])
                .merging(["examples": [["service": "water", "areas": ["soweto"], "description": "A main burst in Soweto: water is off until 18:00."]]]) { a, _ in a },
            "TicketSelection": object(["areas": array(string), "faults": array(string), "since": dateTime, "references": array(string)]),
            "IndicatorReport": object(["moe": string, "from": ["type": "string", "format": "date"], "to": ["type": "string", "format": "date"],
                                       "incidents": ["type": "object"], "field": ["type": "object"]], required: ["moe", "from", "to", "incidents", "field"]),
            "BulkSummary": object(["accepted": integer, "rejected": integer, "rows": array(object([
                "row": integer, "external_id": string, "reference": string, "duplicate": ["type": "boolean"], "possible_duplicate_of": string,
                "errors": array(object(["column": string, "message": string], required: ["column", "message"])),
            ], required: ["row"]))], required: ["accepted", "rejected", "rows"]),
            "WebhookEvent": object([
                "type": ["type": "string", "enum": WebhookEventType.allCases.map(\.rawValue)], "timestamp": dateTime,
                "data": ["oneOf": [ref("Ticket"), ref("Incident")], "description": "The ticket as the MOE API shows it (for survey.answered with `survey.rating`), or the incident"],
            ], required: ["type", "timestamp", "data"]),
        ]
    }

    static var webhooks: Object {
        let headers: [Object] = [
            ["name": "webhook-id", "in": "header", "required": true, "schema": string, "description": "The message's id: the same on every attempt (deduplicate on it)"],
            ["name": "webhook-timestamp", "in": "header", "required": true, "schema": string, "description": "Seconds since 1970 of this attempt"],
            ["name": "webhook-signature", "in": "header", "required": true, "schema": string,
             "description": "`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` under the subscription's secret (`whsec_` + base64)"],
        ]
        var out: Object = [:]
        for type in WebhookEventType.allCases {
            out[type.rawValue] = ["post": [
                "operationId": "webhook-" + type.rawValue.replacingOccurrences(of: ".", with: "-"),
                "summary": summary(type), "parameters": headers,
                "requestBody": ["required": true, "content": ["application/json": ["schema": ref("WebhookEvent")]]],
                "responses": ["2XX": ["description": "Received. Anything else, or no answer within 10 s, is retried (the first retry within a minute) for 24 hours"]],
            ] as Object]
        }
        return out
    }

    static func summary(_ type: WebhookEventType) -> String {
        switch type {
        case .ticketCreated: "A ticket was filed for the MOE, or re-routed to it"
        case .ticketChanged: "A ticket's status, public update, assignment, crew, priority changed; it was re-routed away or marked a duplicate"
        case .ticketReopened: "A resolved ticket was opened again (a resident said it is not fixed)"
        case .incidentDeclared: "An incident was declared"
        case .incidentUpdated: "An incident was updated"
        case .incidentClosed: "An incident was closed"
        case .surveyAnswered: "A resident rated how their resolved ticket was handled"
        }
    }

    static var document: Object {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "CivicGate MOE API", "version": "1.0.0",
                "description": """
                    The API an MOE's own maintenance system uses to work its queue (`Authorization: Bearer <token>` from \
                    `civicgate token add --moe <moe>`), the organisations' bulk reports (`Bearer <organisation key>`), and the webhooks \
                    CivicGate sends (Standard Webhooks signatures; `civicgate webhook add`). Another MOE's ticket or incident is a 404. \
                    Never a resident's number.
                    """,
            ] as Object,
            "servers": [["url": "/"]],
            "tags": ["Tickets", "Incidents", "Indicators", "Bulk reports", "About"].map { ["name": $0] },
            "paths": paths,
            "webhooks": webhooks,
            "components": [
                "schemas": schemas,
                "securitySchemes": [
                    "moeToken": ["type": "http", "scheme": "bearer", "description": "An MOE API token"],
                    "organisationKey": ["type": "http", "scheme": "bearer", "description": "An organisation's API key"],
                ],
            ] as Object,
        ]
    }

    /// The document as served and kept in `docs/openapi.json`: keys sorted, two-space indented.
    public static let json: [UInt8] = {
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) ?? Data()
        return Array(data) + [0x0A]
    }()

    /// Each operation as the router describes its routes: `GET /api/v1/tickets/{reference}`.
    public static var operations: Set<String> {
        var out = Set<String>()
        for (path, item) in paths {
            for method in (item as? Object)?.keys ?? [:].keys { out.insert("\(method.uppercased()) \(path)") }
        }
        return out
    }
}
