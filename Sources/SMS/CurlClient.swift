import CCurl
import Foundation

/// One HTTP request to a provider.
public struct HTTPCall: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [String]
    public var body: [UInt8]?
    /// `host:port:address` entries (`CURLOPT_RESOLVE`): the connection goes to the address given,
    /// never to what a resolver says at connect time.
    public var pinned: [String] = []
    /// Only the first this many bytes of the answer are kept.
    public var keepBytes = 1 << 20

    public init(method: String, url: String, headers: [String] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public enum HTTPOutcome: Sendable, Equatable {
    case response(status: Int, body: [UInt8])
    /// No HTTP answer: refused, timed out, DNS...
    case failure(String)
}

/// Outbound HTTP through libcurl, on dedicated threads (never the Swift concurrency pool): each
/// worker owns one easy handle, reused so connections stay open, with every timeout set.
public final class CurlClient: @unchecked Sendable {
    public struct Timeouts: Sendable {
        public var connectMilliseconds = 2_000
        public var totalMilliseconds = 10_000
        public init() {}
    }

    private struct Job {
        var call: HTTPCall
        var done: CheckedContinuation<HTTPOutcome, Never>
    }

    /// The requests waiting for a worker. The workers hold it, not the client: a client let go
    /// (a test's, or a provider replaced) stops them, and none of them reads a freed client.
    private final class Queue: @unchecked Sendable {
        let condition = NSCondition()
        var jobs: [Job] = []
        var stopping = false

        func add(_ job: Job) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            guard !stopping else { return false }
            jobs.append(job)
            condition.signal()
            return true
        }

        func next() -> Job? {
            condition.lock()
            defer { condition.unlock() }
            while jobs.isEmpty && !stopping { condition.wait() }
            return jobs.isEmpty ? nil : jobs.removeFirst()
        }

        func shutdown() {
            condition.lock()
            stopping = true
            condition.broadcast()
            condition.unlock()
        }
    }

    private let queue = Queue()
    private let timeouts: Timeouts

    private static let globalInit: Void = { _ = cg_global_init() }()

    public init(workers: Int = 4, timeouts: Timeouts = .init()) {
        _ = Self.globalInit
        self.timeouts = timeouts
        for i in 0..<max(1, workers) {
            let thread = Thread { [queue] in Self.work(queue, timeouts: timeouts) }
            thread.name = "curl-\(i)"
            thread.start()
        }
    }

    deinit { shutdown() }

    /// Stops the workers once the queued requests are done.
    public func shutdown() { queue.shutdown() }

    public func perform(_ call: HTTPCall) async -> HTTPOutcome {
        await withCheckedContinuation { continuation in
            if !queue.add(Job(call: call, done: continuation)) { continuation.resume(returning: .failure("client stopped")) }
        }
    }

    private static func work(_ queue: Queue, timeouts: Timeouts) {
        guard let handle = curl_easy_init() else { return }
        defer { curl_easy_cleanup(handle) }
        while let job = queue.next() {
            job.done.resume(returning: perform(job.call, on: handle, timeouts: timeouts))
        }
    }

    /// Collects a response body; handed to libcurl as an opaque pointer.
    private final class Sink {
        var bytes: [UInt8] = []
        var keep = 1 << 20
    }

    private static func perform(_ call: HTTPCall, on handle: UnsafeMutableRawPointer, timeouts: Timeouts) -> HTTPOutcome {
        curl_easy_reset(handle)
        let sink = Sink()
        sink.keep = call.keepBytes
        let opaque = Unmanaged.passRetained(sink)
        defer { opaque.release() }
        var headers: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headers) }
        for h in call.headers { headers = curl_slist_append(headers, h) }
        var pinned: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(pinned) }
        for p in call.pinned { pinned = curl_slist_append(pinned, p) }
        if let pinned { _ = cg_setopt_slist(handle, CURLOPT_RESOLVE, pinned) }

        _ = cg_setopt_string(handle, CURLOPT_URL, call.url)
        _ = cg_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = cg_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeouts.connectMilliseconds)
        _ = cg_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeouts.totalMilliseconds)
        _ = cg_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = cg_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        if let headers { _ = cg_setopt_slist(handle, CURLOPT_HTTPHEADER, headers) }
        if call.method == "POST" {
            let body = call.body ?? []
            _ = cg_setopt_long(handle, CURLOPT_POST, 1)
            _ = cg_setopt_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
            // COPYPOSTFIELDS copies: the Swift buffer need not outlive this call.
            _ = body.withUnsafeBytes { raw in
                cg_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        } else {
            _ = cg_setopt_long(handle, CURLOPT_HTTPGET, 1)
        }
        _ = cg_setopt_write_function(handle) { data, size, count, user in
            guard let data, let user else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
            let room = max(0, sink.keep - sink.bytes.count)
            if room > 0 { sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: min(room, size * count))) }
            return size * count
        }
        _ = cg_setopt_pointer(handle, CURLOPT_WRITEDATA, opaque.toOpaque())

        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else { return .failure(String(cString: curl_easy_strerror(code))) }
        var status = 0
        _ = cg_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .response(status: status, body: sink.bytes)
    }
}
