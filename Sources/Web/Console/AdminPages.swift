import Domain
import Foundation
import Gateway

/// The administration pages: what the templates show.
extension ConsolePages {
    func adminHome(session: StaffSession) -> String {
        let catalogue = text.engine.catalogue
        let moes = catalogue.moes.map { moe -> [String: Any] in
            ["code": moe.code, "name": text.moe(moe.code), "queues": moe.queues.map { ["queue": $0] },
             "services": catalogue.services.filter { $0.moe == moe.code }.map { ["code": $0.code, "name": text.service($0.code)] }]
        }
        return render("admin", title: "Administration", session: session, ["moes": moes])
    }

    func roleOptions(_ selected: StaffUser.Role?) -> [[String: Any]] {
        StaffUser.Role.allCases.map { ["value": $0.rawValue, "label": $0.rawValue, "selected": $0 == selected] }
    }

    func adminUsers(_ accounts: [StaffAccount], organisations: [Organisation], session: StaffSession, flash: String?, error: String?) -> String {
        let catalogue = text.engine.catalogue
        let names = Dictionary(organisations.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let active = organisations.filter { $0.revokedAt == nil }
        func moeOptions(_ selected: String?) -> [[String: Any]] {
            catalogue.moes.map { ["value": $0.code, "label": text.moe($0.code), "selected": $0.code == selected] }
        }
        func organisationOptions(_ selected: Int64?) -> [[String: Any]] {
            active.map { ["value": String($0.id), "label": $0.name, "selected": $0.id == selected] }
        }
        var context: [String: Any] = [
            "csrf": session.csrf,
            "roleOptions": roleOptions(.dispatcher), "moeOptions": moeOptions(nil), "organisationOptions": organisationOptions(nil),
            "users": accounts.map { a -> [String: Any] in
                let org = a.user.organisation
                return ["username": a.user.username, "role": a.user.role.rawValue,
                        "scope": org.map { names[$0] ?? "organisation \($0)" } ?? text.moe(a.user.moe),
                        "created": text.day(a.createdAt), "disabled": a.disabledAt.map { text.day($0) } ?? "", "active": a.disabledAt == nil,
                        "self": a.user.username == session.user.username,
                        "roleOptions": roleOptions(a.user.role), "moeOptions": moeOptions(org == nil ? a.user.moe : nil),
                        "organisationOptions": organisationOptions(org)]
            },
        ]
        if let flash { context["flash"] = flash }
        if let error { context["error"] = error }
        return render("admin-users", title: "Users", session: session, context)
    }

    func adminOrganisations(_ organisations: [Organisation], members: [StaffAccount], session: StaffSession, flash: String?, error: String?,
                            newKey: (String, String)?) -> String {
        var context: [String: Any] = [
            "csrf": session.csrf,
            "organisations": organisations.map { o -> [String: Any] in
                ["id": o.id, "name": o.name, "prefix": o.keyPrefix, "created": text.day(o.createdAt), "revoked": o.revokedAt.map { text.day($0) } ?? "",
                 "active": o.revokedAt == nil, "quota": o.dailyQuota,
                 "members": members.filter { $0.user.organisation == o.id }.map { ["username": $0.user.username, "active": $0.disabledAt == nil] }]
            },
        ]
        if let (name, key) = newKey { context["newKey"] = ["name": name, "key": key] }
        if let flash { context["flash"] = flash }
        if let error { context["error"] = error }
        return render("admin-organisations", title: "Organisations", session: session, context)
    }

    func adminTokens(_ tokens: [TokenRecord], session: StaffSession, flash: String?, error: String?, newToken: (String, String)?) -> String {
        var context: [String: Any] = [
            "csrf": session.csrf,
            "moeOptions": text.engine.catalogue.moes.map { ["value": $0.code, "label": text.moe($0.code)] },
            "tokens": tokens.map { t -> [String: Any] in
                ["id": t.id, "moe": text.moe(t.moe), "prefix": t.prefix, "created": text.day(t.createdAt), "revoked": t.revokedAt.map { text.day($0) } ?? "",
                 "active": t.revokedAt == nil]
            },
        ]
        if let (moe, token) = newToken { context["newToken"] = ["moe": text.moe(moe), "token": token] }
        if let flash { context["flash"] = flash }
        if let error { context["error"] = error }
        return render("admin-tokens", title: "MOE API tokens", session: session, context)
    }
}
