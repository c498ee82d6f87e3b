import Glibc
import Logging

/// swift-log's `StreamLogHandler` lines (`2026-12-01T02:57:04+0000 info civicgate: key=value [source]
/// message`), with the logger's metadata formatted when a line is written rather than whenever it
/// is set. `StreamLogHandler` sorts and formats all of a logger's metadata on every change, and
/// Hummingbird gives each request's logger a request ID: that formatting ran on every USSD hop,
/// for lines that are almost never written (2 % of the server's CPU under load).
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    /// The first key set, kept apart from the others: Hummingbird sets one (the request ID) on
    /// each request's logger, and a dictionary for it alone was made, hashed and freed every hop.
    var first: (key: String, value: Logger.Metadata.Value)?
    var others = Logger.Metadata()
    let label: String
    let stream: any TextOutputStream & Sendable

    public init(label: String, stream: any TextOutputStream & Sendable = StandardOutput(),
                metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.label = label
        self.stream = stream
        self.metadataProvider = metadataProvider
    }

    public var metadata: Logger.Metadata {
        get {
            guard let first else { return others }
            var all = others
            all[first.key] = first.value
            return all
        }
        set { (first, others) = (nil, newValue) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { first?.key == key ? first?.value : others[key] }
        set {
            if first?.key == key {
                first = newValue.map { (key, $0) }
            } else if first == nil, let newValue, others.isEmpty || others[key] == nil {
                first = (key, newValue)
            } else {
                others[key] = newValue
            }
        }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { all.merge(provided) { _, new in new } }
        if let explicit = event.metadata, !explicit.isEmpty { all.merge(explicit) { _, new in new } }
        if let error = event.error {
            all["error.message"] = "\(error)"
            all["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let pretty = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
        var stream = stream
        stream.write("\(Self.timestamp()) \(event.level)\(label.isEmpty ? "" : " ")\(label):\(pretty) [\(event.source)] \(event.message)\n")
    }

    static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Standard output, one `write` per line, unbuffered (as `StreamLogHandler.standardOutput`,
    /// which flushes every line).
    public struct StandardOutput: TextOutputStream, Sendable {
        public init() {}
        public mutating func write(_ string: String) {
            var line = string
            line.withUTF8 { bytes in
                var rest = UnsafeRawBufferPointer(bytes)
                while !rest.isEmpty {
                    let n = Glibc.write(1, rest.baseAddress, rest.count)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { return }
                    rest = UnsafeRawBufferPointer(rebasing: rest[n...])
                }
            }
        }
    }
}
