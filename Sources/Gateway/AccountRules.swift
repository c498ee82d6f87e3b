import Domain
import Foundation

/// What makes a console account valid, for the CLI and the admin pages alike: a username of
/// 2-64 plain characters; MOE staff with a known MOE; an organisation's member with an active
/// organisation and no MOE.
public enum AccountRules {
    public static func usernameProblem(_ username: String) -> String? {
        username.range(of: "^[A-Za-z0-9._-]{2,64}$", options: .regularExpression) == nil
            ? "a username is 2-64 letters, digits, dots, dashes or underscores" : nil
    }

    /// Whose work this role sees: the MOE's, or the organisation's.
    public static func scope(role: StaffUser.Role, moe: String?, organisation: Organisation?, catalogue: ServiceCatalogue) -> Result<StaffScope, AccountProblem> {
        switch role {
        case .organisation:
            guard let organisation else { return .failure(.init("an organisation member needs an organisation (--org)")) }
            guard organisation.revokedAt == nil else { return .failure(.init("organisation '\(organisation.name)' is revoked")) }
            return .success(.organisation(organisation.id))
        case .dispatcher, .supervisor, .admin:
            guard organisation == nil else { return .failure(.init("only the organisation role belongs to an organisation")) }
            guard let moe, catalogue.moe(moe) != nil else {
                return .failure(.init("unknown MOE '\(moe ?? "")'; known: \(catalogue.moes.map(\.code).joined(separator: ", "))"))
            }
            return .success(.moe(moe))
        }
    }
}

public struct AccountProblem: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
