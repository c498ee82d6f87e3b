import Channels
import Domain
import Foundation
import Gateway
import HTTPTypes
import Hummingbird

/// Administration in the browser (admin role only; a 404 for everyone else): MOEs and their
/// queues, staff and organisation accounts, organisations and their API keys, MOE API tokens.
/// Every change is audited under the admin's username; a new key or token is shown once.
extension ConsoleRoutes {
    func registerAdministration(on router: Router<WebContext>) {
        router.get("/console/admin") { request, _ in
            guard let session = try await admin(request) else { return signInPage() }
            return html(pages.adminHome(session: session))
        }
        router.get("/console/admin/users") { request, _ in
            guard let session = try await admin(request) else { return signInPage() }
            return try await usersPage(session, flash: Self.adminFlash(request.uri.queryParameters["done"]))
        }
        router.post("/console/admin/users") { request, context in
            guard let (session, form) = try await adminForm(request) else { return expired() }
            return try await addAccount(form, session: session, address: context.clientAddress)
        }
        router.post("/console/admin/users/:username/:action") { request, context in
            guard let (session, form) = try await adminForm(request) else { return expired() }
            let username = context.parameters.get("username") ?? ""
            let now = clock.now(), actor = session.user.username
            switch context.parameters.get("action") {
            case "disable":
                guard username != actor else { return try await usersPage(session, error: "You cannot disable your own account.", status: .conflict) }
                guard try await accounts.disableUser(username, at: now, actor: actor) else { return try await usersPage(session, error: "No active user '\(username)'.", status: .notFound) }
            case "password":
                do {
                    guard try await accounts.setPassword(username, to: form["password"] ?? "", at: now, actor: actor) else {
                        return try await usersPage(session, error: "No user '\(username)'.", status: .notFound)
                    }
                } catch { return try await usersPage(session, error: "\(error)", status: .unprocessableContent) }
            case "change":
                guard let role = StaffUser.Role(rawValue: form["role"] ?? "") else { return try await usersPage(session, error: "Choose a role.", status: .unprocessableContent) }
                guard username != actor || role == .admin else { return try await usersPage(session, error: "You cannot take the admin role from yourself.", status: .conflict) }
                let scope: StaffScope
                switch try await accountScope(role: role, form: form) {
                case .success(let s): scope = s
                case .failure(let p): return try await usersPage(session, error: p.description, status: .unprocessableContent)
                }
                guard try await accounts.changeUser(username, role: role, scope: scope, at: now, actor: actor) else {
                    return try await usersPage(session, error: "No user '\(username)'.", status: .notFound)
                }
            default: return notFound(session)
            }
            return Response(status: .seeOther, headers: [.location: "/console/admin/users?done=\(context.parameters.get("action") ?? "")"])
        }
        router.get("/console/admin/organisations") { request, _ in
            guard let session = try await admin(request) else { return signInPage() }
            return try await organisationsPage(session, flash: Self.adminFlash(request.uri.queryParameters["done"]))
        }
        router.post("/console/admin/organisations") { request, context in
            guard let (session, form) = try await adminForm(request), let portal else { return expired() }
            let name = (form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard (2...120).contains(name.count) else { return try await organisationsPage(session, error: "An organisation's name is 2-120 characters.", status: .unprocessableContent) }
            guard try await portal.organisation(named: name) == nil else {
                return try await organisationsPage(session, error: "There is already an organisation called '\(name)'.", status: .conflict)
            }
            let (organisation, key) = try await portal.add(name: name, dailyQuota: Organisation.defaultDailyQuota, at: clock.now())
            try await auditLog.audit(actor: session.user.username, action: .organisationAdded, reference: nil, detail: "\(organisation.name) (\(organisation.id))",
                                  address: context.clientAddress, at: clock.now())
            return try await organisationsPage(session, newKey: (organisation.name, key))
        }
        router.post("/console/admin/organisations/:id/revoke") { request, context in
            guard let (session, _) = try await adminForm(request), let portal else { return expired() }
            let id = context.parameters.get("id") ?? ""
            guard Int64(id) != nil, try await portal.revoke(id, at: clock.now()) else {
                return try await organisationsPage(session, error: "No active organisation \(id).", status: .notFound)
            }
            try await auditLog.audit(actor: session.user.username, action: .organisationRevoked, reference: nil, detail: "organisation \(id)",
                                  address: context.clientAddress, at: clock.now())
            return Response(status: .seeOther, headers: [.location: "/console/admin/organisations?done=revoked"])
        }
        router.get("/console/admin/tokens") { request, _ in
            guard let session = try await admin(request) else { return signInPage() }
            return try await tokensPage(session, flash: Self.adminFlash(request.uri.queryParameters["done"]))
        }
        router.post("/console/admin/tokens") { request, context in
            guard let (session, form) = try await adminForm(request) else { return expired() }
            guard let moe = form["moe"], engine.catalogue.moe(moe) != nil else { return try await tokensPage(session, error: "Choose an MOE.", status: .unprocessableContent) }
            let token = try await accounts.addToken(moe: moe, at: clock.now())
            try await auditLog.audit(actor: session.user.username, action: .tokenAdded, reference: nil, detail: "\(moe) \(token.prefix(7))",
                                  address: context.clientAddress, at: clock.now())
            return try await tokensPage(session, newToken: (moe, token))
        }
        router.post("/console/admin/tokens/:id/revoke") { request, context in
            guard let (session, _) = try await adminForm(request) else { return expired() }
            let id = context.parameters.get("id") ?? ""
            guard Int64(id) != nil, try await accounts.revokeToken(id, at: clock.now(), actor: session.user.username) else {
                return try await tokensPage(session, error: "No active token \(id).", status: .notFound)
            }
            return Response(status: .seeOther, headers: [.location: "/console/admin/tokens?done=revoked"])
        }
    }

    /// An admin's session; any other role gets the 404 page.
    func admin(_ request: Request) async throws -> StaffSession? {
        guard let session = try await session(request) else { return nil }
        guard session.user.role == .admin else { throw ConsoleNotFound(page: notFound(session)) }
        return session
    }

    func adminForm(_ request: Request) async throws -> (StaffSession, FormBody)? {
        guard let session = try await session(request) else { return nil }
        guard session.user.role == .admin else { throw ConsoleNotFound(page: notFound(session)) }
        return try await authorised(request)
    }

    static func adminFlash(_ code: Substring?) -> String? {
        switch code {
        case "added": "User added. Give them their password in person or by phone, never by e-mail."
        case "disable": "User disabled; their sessions have ended."
        case "password": "Password changed; the user's sessions have ended."
        case "change": "Role and MOE changed; the user's sessions have ended."
        case "revoked": "Revoked."
        default: nil
        }
    }

    func accountScope(role: StaffUser.Role, form: FormBody) async throws -> Result<StaffScope, AccountProblem> {
        var organisation: Organisation?
        if role == .organisation {
            guard let id = form["organisation"], let number = Int64(id), let found = try await portal?.organisation(named: id), found.id == number else {
                return .failure(AccountProblem("Choose the organisation the member belongs to."))
            }
            organisation = found
        }
        return AccountRules.scope(role: role, moe: role == .organisation ? nil : form["moe"], organisation: organisation, catalogue: engine.catalogue)
    }

    func addAccount(_ form: FormBody, session: StaffSession, address: String) async throws -> Response {
        let username = (form["username"] ?? "").trimmingCharacters(in: .whitespaces)
        if let problem = AccountRules.usernameProblem(username) { return try await usersPage(session, error: problem, status: .unprocessableContent) }
        guard let role = StaffUser.Role(rawValue: form["role"] ?? "") else { return try await usersPage(session, error: "Choose a role.", status: .unprocessableContent) }
        let scope: StaffScope
        switch try await accountScope(role: role, form: form) {
        case .success(let s): scope = s
        case .failure(let p): return try await usersPage(session, error: p.description, status: .unprocessableContent)
        }
        do {
            _ = try await accounts.addUser(username: username, password: form["password"] ?? "", scope: scope, role: role, at: clock.now())
        } catch {
            return try await usersPage(session, error: "\(error)", status: .unprocessableContent)
        }
        try await auditLog.audit(actor: session.user.username, action: .userAdded, reference: nil, detail: "\(username): \(role.rawValue), \(scope)",
                              address: address, at: clock.now())
        return Response(status: .seeOther, headers: [.location: "/console/admin/users?done=added"])
    }

    func usersPage(_ session: StaffSession, flash: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let organisations = try await portal?.list() ?? []
        return html(pages.adminUsers(try await accounts.users(), organisations: organisations, session: session, flash: flash, error: error), status: status)
    }

    func organisationsPage(_ session: StaffSession, flash: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok,
                           newKey: (String, String)? = nil) async throws -> Response {
        let organisations = try await portal?.list() ?? []
        return html(pages.adminOrganisations(organisations, members: try await accounts.users().filter { $0.user.role == .organisation }, session: session,
                                             flash: flash, error: error, newKey: newKey), status: status)
    }

    func tokensPage(_ session: StaffSession, flash: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok,
                    newToken: (String, String)? = nil) async throws -> Response {
        html(pages.adminTokens(try await accounts.tokens(), session: session, flash: flash, error: error, newToken: newToken), status: status)
    }
}
