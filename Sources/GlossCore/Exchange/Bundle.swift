/// A bundle: signed events in a file, for offline sync (Protocol/MERGE.md §Bundles).
///
///     magic   16 bytes  "gloss-bundle-v1\n"
///     count   u64       number of events
///     count × (u32 length ‖ event bytes)
///     digest  32 bytes  SHA-256 of everything before it
///
/// The digest makes truncation and damage detectable before any event is looked at.
public enum Bundle {
    public static let magic: [UInt8] = Array("gloss-bundle-v1\n".utf8)

    public static func encode(_ events: [Event]) -> [UInt8] {
        var w = ByteWriter(capacity: 64 + events.reduce(0) { $0 + 4 + $1.bytes.count })
        w.raw(magic)
        w.u64(UInt64(events.count))
        for e in events {
            w.u32(UInt32(e.bytes.count))
            w.raw(e.bytes)
        }
        w.raw(SHA256.hash(w.bytes).bytes)
        return w.bytes
    }

    /// Writes a bundle piece by piece to `sink` (a file, say), so a large one is never held
    /// whole: the header at once, each event as it is added, the digest at `finish`. The count
    /// is given first, as the format puts it before the events; `finish` checks it was kept.
    public final class Writer {
        private let sink: ([UInt8]) throws -> Void
        private let hasher = SHA256.Hasher()
        private let count: Int
        private var written = 0
        private var buffer: [UInt8] = []

        public init(count: Int, sink: @escaping ([UInt8]) throws -> Void) throws {
            self.sink = sink
            self.count = count
            var w = ByteWriter(capacity: 24)
            w.raw(Bundle.magic)
            w.u64(UInt64(count))
            buffer = w.bytes
        }

        public func add(_ e: Event) throws {
            var w = ByteWriter(capacity: 4)
            w.u32(UInt32(e.bytes.count))
            buffer.append(contentsOf: w.bytes)
            buffer.append(contentsOf: e.bytes)
            written += 1
            if buffer.count >= 1 << 16 { try flush() }
        }

        /// Writes the digest. Throws when the events added are not the count announced.
        public func finish() throws {
            guard written == count else { throw BundleError(index: nil, "\(written) events were written where \(count) were announced: the log changed while it was read; try again") }
            try flush()
            let digest = hasher.finish().bytes
            try sink(digest)
        }

        private func flush() throws {
            guard !buffer.isEmpty else { return }
            hasher.update(buffer)
            try sink(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Decodes every event (canonical form, payload hash, id), without checking signatures.
    /// Throws naming the event (by position, and by id when it decoded) that is wrong.
    public static func decode(_ bytes: [UInt8]) throws(BundleError) -> [Event] {
        guard bytes.count >= magic.count + 8 + 32, Array(bytes.prefix(magic.count)) == magic else {
            throw BundleError(index: nil, "this is not a Gloss bundle (it does not start with \"gloss-bundle-v1\")")
        }
        let body = Array(bytes.dropLast(32))
        guard SHA256.hash(body).bytes == Array(bytes.suffix(32)) else {
            throw BundleError(index: nil, "the bundle is truncated or damaged: its closing SHA-256 does not match its contents")
        }
        var r = ByteReader(body, from: magic.count)
        do {
            let count = try r.u64("event count")
            guard count <= UInt64(body.count / 4) else { throw DecodeError(.invalidField, "it claims \(count) events, more than its size allows") }
            var events: [Event] = []
            events.reserveCapacity(Int(count))
            for i in 0..<Int(count) {
                let n = Int(try r.u32("length of event \(i + 1)"))
                guard n <= EventLimits.maxEventBytes else {
                    throw BundleError(index: i + 1, "event \(i + 1) is \(n) bytes, over the limit of \(EventLimits.maxEventBytes)")
                }
                let raw = Array(try r.raw(n, "event \(i + 1)"))
                // An erased event (header ‖ signature) travels as one; the bundle holds its erasure.
                do { events.append(try Event.decode(raw, allowErased: true)) }
                catch { throw BundleError(index: i + 1, "event \(i + 1) of \(count) is not a valid event: \(error)") }
            }
            guard r.isAtEnd else { throw DecodeError(.trailingBytes, "\(r.remaining) bytes after the last event") }
            return events
        } catch let e as BundleError {
            throw e
        } catch {
            throw BundleError(index: nil, "the bundle is malformed: \(error)")
        }
    }
}

/// Why a bundle was refused; `index` is the 1-based position of the offending event.
public struct BundleError: Error, Sendable, CustomStringConvertible {
    public let index: Int?
    public let description: String
    public init(index: Int?, _ message: String) { self.index = index; description = message }
}
