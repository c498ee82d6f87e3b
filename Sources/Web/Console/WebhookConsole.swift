import Domain
import Foundation
import Gateway
import HTTPTypes
import Hummingbird

/// The admin's Webhooks page (`/console/admin/webhooks`): every MOE's subscriptions with their
/// messages waiting, delivered and failed; add one (the secret shown once), remove, enable again
/// after it was disabled for failing; per subscription its newest deliveries with the receiver's
/// answers, each one resendable with the same `webhook-id`. Admin only, every change audited.
extension ConsoleRoutes {
    func registerWebhooks(on router: Router<WebContext>) {
        router.get("/console/admin/webhooks") { request, _ in
            guard let session = try await admin(request) else { return signInPage() }
            return try await webhooksPage(session, flash: Self.webhookFlash(request.uri.queryParameters["done"]))
        }
        router.post("/console/admin/webhooks") { request, context in
            guard let (session, form) = try await adminForm(request) else { return expired() }
            guard let webhooks else { return try await webhooksPage(session, error: "Webhooks cannot be added here: use civicgate webhook add.", status: .conflict) }
            let events = form.values("event").joined(separator: ",")
            switch try await webhooks.add(moe: form["moe"] ?? "", url: form["url"] ?? "", events: events) {
            case .success(let added):
                try await auditLog.audit(actor: session.user.username, action: .webhookAdded, reference: nil, detail: "\(added.id) \(added.moe) \(added.url)",
                                         address: context.clientAddress, at: clock.now())
                return try await webhooksPage(session, newSecret: added)
            case .failure(let problem):
                return try await webhooksPage(session, error: problem.description, status: .unprocessableContent)
            }
        }
        router.post("/console/admin/webhooks/:id/:action") { request, context in
            guard let (session, _) = try await adminForm(request), let store = webhookStore else { return expired() }
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }), id > 0 else { return notFound(session) }
            let action: AuditAction
            switch context.parameters.get("action") {
            case "remove":
                guard try await store.removeWebhook(id, moe: nil) else { return try await webhooksPage(session, error: "No webhook \(id).", status: .notFound) }
                action = .webhookRemoved
            case "enable":
                guard try await store.enableWebhook(id, moe: nil, at: clock.now()) else { return try await webhooksPage(session, error: "No webhook \(id).", status: .notFound) }
                action = .webhookEnabled
            default: return notFound(session)
            }
            try await auditLog.audit(actor: session.user.username, action: action, reference: nil, detail: "webhook \(id)", address: context.clientAddress, at: clock.now())
            return Response(status: .seeOther, headers: [.location: "/console/admin/webhooks?done=\(context.parameters.get("action") ?? "")"])
        }
        router.get("/console/admin/webhooks/:id") { request, context in
            guard let session = try await admin(request) else { return signInPage() }
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else { return notFound(session) }
            return try await webhookPage(id, session: session, flash: request.uri.queryParameters["done"] == "resent" ? "Queued to be sent again, with the same webhook-id." : nil)
        }
        router.post("/console/admin/webhooks/:id/messages/:message/resend") { request, context in
            guard let (session, _) = try await adminForm(request), let store = webhookStore else { return expired() }
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }), let message = context.parameters.get("message").flatMap({ Int64($0) }) else {
                return notFound(session)
            }
            guard try await store.resendWebhook(message: message, moe: nil, now: clock.now()) else {
                return try await webhookPage(id, session: session, error: "That delivery is being sent now, or is not there.", status: .conflict)
            }
            try await auditLog.audit(actor: session.user.username, action: .webhookResent, reference: nil, detail: "webhook \(id) message \(message)",
                                     address: context.clientAddress, at: clock.now())
            return Response(status: .seeOther, headers: [.location: "/console/admin/webhooks/\(id)?done=resent"])
        }
    }

    static func webhookFlash(_ code: Substring?) -> String? {
        switch code {
        case "remove": "Webhook removed, with the messages it had not yet delivered."
        case "enable": "Webhook enabled: what waited goes out now."
        default: nil
        }
    }

    func webhooksPage(_ session: StaffSession, flash: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok,
                      newSecret: WebhookDesk.Added? = nil) async throws -> Response {
        let list = try await webhookStore?.webhooks(moe: nil) ?? []
        return html(pages.adminWebhooks(list, session: session, canAdd: webhooks != nil, flash: flash, error: error, newSecret: newSecret), status: status)
    }

    func webhookPage(_ id: Int64, session: StaffSession, flash: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let store = webhookStore, let subscription = try await store.webhooks(moe: nil).first(where: { $0.id == id }) else { return notFound(session) }
        let deliveries = try await store.webhookDeliveries(subscription: id, moe: nil, limit: 100)
        return html(pages.adminWebhook(subscription, deliveries, session: session, flash: flash, error: error), status: status)
    }
}

extension ConsolePages {
    static func webhookState(_ s: WebhookSubscription) -> String {
        s.disabledAt != nil ? "disabled" : s.failingSince != nil ? "failing" : "active"
    }

    func adminWebhooks(_ list: [WebhookSubscription], session: StaffSession, canAdd: Bool, flash: String?, error: String?,
                       newSecret: WebhookDesk.Added?) -> String {
        var context: [String: Any] = [
            "csrf": session.csrf, "canAdd": canAdd,
            "moeOptions": text.engine.catalogue.moes.map { ["value": $0.code, "label": text.moe($0.code)] },
            "eventOptions": WebhookEventType.allCases.map { ["value": $0.rawValue] },
            "webhooks": list.map { s -> [String: Any] in
                ["id": s.id, "moe": text.moe(s.moe), "url": s.url, "events": s.events.map(\.rawValue).joined(separator: ", "),
                 "state": Self.webhookState(s) + (s.failingSince.map { " since \(text.time($0))" } ?? ""), "reason": s.disabledReason ?? "",
                 "disabled": s.disabledAt != nil, "pending": s.pending, "delivered": s.delivered, "failed": s.failed, "csrf": session.csrf]
            },
        ]
        if let added = newSecret { context["newSecret"] = ["id": added.id, "moe": text.moe(added.moe), "secret": added.secret.description] }
        if let flash { context["flash"] = flash }
        if let error { context["error"] = error }
        return render("admin-webhooks", title: "Webhooks", session: session, context)
    }

    func adminWebhook(_ s: WebhookSubscription, _ deliveries: [WebhookDeliveryRecord], session: StaffSession, flash: String?, error: String?) -> String {
        var context: [String: Any] = [
            "id": s.id, "moe": text.moe(s.moe), "url": s.url, "state": Self.webhookState(s), "reason": s.disabledReason ?? "",
            "deliveries": deliveries.map { d -> [String: Any] in
                let answer = d.lastStatus.map { "HTTP \($0)" } ?? ""
                return ["id": d.id, "subscription": s.id, "type": d.type.rawValue, "subject": d.subject, "messageID": d.messageID, "created": text.time(d.createdAt),
                        "state": d.state.rawValue, "attempts": d.attempts, "answer": [answer, d.lastError ?? ""].filter { !$0.isEmpty }.joined(separator: ": "),
                        "lastAttempt": d.lastAttemptAt.map { text.time($0) } ?? "", "resendable": d.state != .sending, "csrf": session.csrf]
            },
        ]
        if let flash { context["flash"] = flash }
        if let error { context["error"] = error }
        return render("admin-webhook", title: "Webhook \(s.id)", session: session, context)
    }
}
