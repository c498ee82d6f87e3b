import Domain
import FlowDefinitions
import FlowEngine
import Foundation
import Gateway
import Store
import Synchronization
import Web

/// The repository root, found from this file's path.
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

public func shippedDefinitions() throws -> Definitions {
    try Definitions.load(menus: repositoryRoot.appendingPathComponent("menus").path,
                         locales: repositoryRoot.appendingPathComponent("locales").path)
}

/// A deterministic generator so tests replay the same draws.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        return z ^ (z >> 31)
    }
}

/// A clock the test moves by hand.
public final class TestClock: WallClock {
    private let current: Mutex<Date>
    public init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) { current = Mutex(start) }
    public func now() -> Date { current.withLock { $0 } }
    public func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Reference draws from a seed; `queue` forces the next draws (to test collisions).
public final class TestReferences: Sendable {
    private let state: Mutex<(SeededGenerator, [Reference])>
    public init(seed: UInt64 = 42) { state = Mutex((SeededGenerator(state: seed), [])) }
    public func queue(_ r: Reference) { state.withLock { $0.1.append(r) } }
    public func next() -> Reference {
        state.withLock { s in
            if !s.1.isEmpty { return s.1.removeFirst() }
            return Reference.random(using: &s.0)
        }
    }
}

/// A gateway over the shipped menus and a fresh in-memory database.
public struct TestGateway: Sendable {
    public let gateway: UssdGateway
    public let sms: SmsGateway
    public let outbox: SQLiteOutboxStore
    public let organisations: SQLiteOrganisationStore
    public let bulk: BulkReports
    public let staff: SQLiteStaffStore
    public let database: AppDatabase
    public let tickets: SQLiteTicketStore
    public let clock: TestClock
    public let references: TestReferences
    public let health: OperationalHealth
    public let deliverySignature: DeliverySignature

    /// `limits`: reports per number per day (USSD and SMS).
    public init(seed: UInt64 = 42, database: AppDatabase? = nil, maxReportsPerDay: Int = 10) throws {
        let db = try database ?? AppDatabase.inMemory()
        let clock = TestClock()
        let references = TestReferences(seed: seed)
        self.database = db
        self.clock = clock
        self.references = references
        self.tickets = SQLiteTicketStore(db)
        let definitions = try shippedDefinitions()
        gateway = UssdGateway(engine: definitions.engine(), store: SQLiteConversationStore(db), clock: clock,
                              references: { references.next() }, settings: .init(maxReportsPerDay: maxReportsPerDay))
        sms = SmsGateway(engine: definitions.smsEngine()!, store: SQLiteConversationStore(db), clock: clock, references: { references.next() },
                         settings: .init(maxReportsPerDay: maxReportsPerDay))
        health = OperationalHealth(started: clock.now())
        deliverySignature = DeliverySignature(secret: try db.secret(named: "dlr-signing-key"))
        outbox = SQLiteOutboxStore(db)
        organisations = SQLiteOrganisationStore(db)
        bulk = BulkReports(engine: definitions.engine(), clock: clock, references: { references.next() })
        staff = SQLiteStaffStore(db, levels: definitions.engine().serviceLevels)
    }
}

extension TestGateway {
    /// The routes' view of this world.
    public var web: WebServices {
        var services = WebServices(ussd: gateway, sms: sms, outbox: outbox, clock: clock, statistics: SQLiteStatistics(database),
                                   listing: SQLiteRequestListing(database), organisations: organisations, bulk: bulk,
                                   staff: staff, health: health, deliverySignature: deliverySignature)
        services.boundaries = (try? shippedDefinitions().boundaries) ?? AreaBoundaries()
        return services
    }
}

extension TestGateway {
    /// A status change as a dispatcher of any MOE would make it (an administrator's scope).
    public func update(_ reference: Reference, to status: TicketStatus, publicUpdate: String? = nil, internalNote: String? = nil,
                       expectedAt: Date? = nil, actor: String = "test") async throws {
        let outcome = try await staff.perform(.status(status, publicUpdate: publicUpdate, internalNote: internalNote, expectedAt: expectedAt),
                                              on: reference, scope: nil, actor: actor, at: clock.now(), notice: gateway.engine.noticeWording)
        precondition(outcome == .done, "status change refused: \(outcome)")
    }
}

/// A pseudonym key for test processes on PostgreSQL (which name theirs, `CIVICGATE_PSEUDONYM_KEY_FILE`):
/// one per test run, owner-only, outside the repository.
public let testPseudonymKeyFile: String = {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("civicgate-test-\(UUID().uuidString).pseudonym-key").path
    var generator = SystemRandomNumberGenerator()
    let bytes = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    FileManager.default.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600])
    return path
}()
