import Foundation

/// Staff accounts and MOE tokens as an administrator manages them from the CLI or the console.
/// Each change is audited under `actor` ("cli" from the shell, the admin's username in the console).
public protocol StaffAdministration: Sendable {
    func users() async throws -> [StaffAccount]
    /// Disables the account and ends its sessions; false when there is no such active user.
    func disableUser(_ username: String, at: Date, actor: String) async throws -> Bool
    /// A new password; ends the user's sessions and clears its sign-in throttle. False when unknown.
    func setPassword(_ username: String, to password: String, at: Date, actor: String) async throws -> Bool
    /// How the user is reached when a ticket is escalated; false when there is no such user.
    func setContact(_ username: String, _ contact: StaffContact) async throws -> Bool
    /// A new role and MOE (or organisation scope); ends the user's sessions. False when there is no such user.
    func changeUser(_ username: String, role: StaffUser.Role, scope: StaffScope, at: Date, actor: String) async throws -> Bool
    func tokens() async throws -> [TokenRecord]
    /// Revokes by id or by its first characters; false when no active token matches exactly one.
    func revokeToken(_ idOrPrefix: String, at: Date, actor: String) async throws -> Bool
}

extension StaffAdministration {
    public func disableUser(_ username: String, at: Date) async throws -> Bool { try await disableUser(username, at: at, actor: "cli") }
    public func setPassword(_ username: String, to password: String, at: Date) async throws -> Bool {
        try await setPassword(username, to: password, at: at, actor: "cli")
    }
    public func revokeToken(_ idOrPrefix: String, at: Date) async throws -> Bool { try await revokeToken(idOrPrefix, at: at, actor: "cli") }
}

/// A console account as `user list` shows it.
public struct StaffAccount: Sendable, Equatable {
    public var user: StaffUser
    public var createdAt: Date
    public var disabledAt: Date?
    public var contact: StaffContact
    public init(user: StaffUser, createdAt: Date, disabledAt: Date?, contact: StaffContact = .none) {
        self.contact = contact
        self.user = user
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }
}

/// An MOE API token as `token list` shows it (never the token itself).
public struct TokenRecord: Sendable, Equatable {
    public var id: Int64
    public var moe: String
    public var prefix: String
    public var createdAt: Date
    public var revokedAt: Date?
    public init(id: Int64, moe: String, prefix: String, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.moe = moe
        self.prefix = prefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}
