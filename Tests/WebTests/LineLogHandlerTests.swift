import Logging
import Synchronization
import Testing
import Web

@Suite struct LineLogHandlerTests {
    final class Lines: TextOutputStream, Sendable {
        let text = Mutex("")
        func write(_ string: String) { text.withLock { $0 += string } }
        /// Each line without its timestamp (the two handlers may write in different seconds).
        var withoutTimestamps: [String] {
            text.withLock { $0 }.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 1).dropFirst().joined() }
        }
    }

    struct Broken: Error {}

    static func write(_ make: @escaping @Sendable (String) -> any LogHandler) {
        var logger = Logger(label: "civicgate", factory: make)
        logger[metadataKey: "hb.request.id"] = "42"
        logger[metadataKey: "a"] = "first"
        logger.info("ticket created", metadata: ["ticket": "123456789", "a": "explicit wins"])
        logger.debug("below the level: not written")
        logger.logLevel = .trace
        logger.trace("now written")
        logger[metadataKey: "hb.request.id"] = nil
        logger.error("failed", error: Broken())
        Logger(label: "", factory: make).warning("no label")
        // Keys set, replaced and removed in every order: the same metadata as a dictionary would hold.
        var keys = Logger(label: "keys", factory: make)
        keys[metadataKey: "b"] = "2"
        keys[metadataKey: "a"] = "1"
        keys[metadataKey: "b"] = nil
        keys[metadataKey: "c"] = "3"
        keys.info("a and c")
        keys[metadataKey: "a"] = nil
        keys[metadataKey: "c"] = "three"
        keys[metadataKey: "d"] = "4"
        keys.info("c and d")
        keys.handler.metadata = ["e": "5"]
        keys[metadataKey: "f"] = "6"
        keys.info("e and f")
    }

    /// Operators' tooling reads these lines: they stay exactly what swift-log's default handler writes.
    @Test func writesWhatStreamLogHandlerWrites() {
        let ours = Lines(), theirs = Lines()
        Self.write { LineLogHandler(label: $0, stream: ours) }
        Self.write { StreamLogHandler(label: $0, stream: theirs) }
        let written = ours.withoutTimestamps
        #expect(written.count == 7)
        #expect(written.suffix(3).map { $0.split(separator: " [").first.map(String.init) ?? "" }
                == ["info keys: a=1 c=3", "info keys: c=three d=4", "info keys: e=5 f=6"])
        #expect(written.first?.hasPrefix("info civicgate: a=explicit wins hb.request.id=42 ticket=123456789 [") == true)
        #expect(written.first?.hasSuffix("] ticket created") == true)
        #expect(written == theirs.withoutTimestamps)
    }
}
