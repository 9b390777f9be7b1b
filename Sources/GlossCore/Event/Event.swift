/// A signed event exactly as stored and sent: `header ‖ payload ‖ signature`.
/// Holding an `Event` means its bytes are canonical and its id and payload hash match;
/// the signature is checked separately (`hasValidSignature`) because it is the costly part.
public struct Event: Sendable, Equatable {
    public let header: EventHeader
    public let id: EventID
    /// The whole canonical encoding.
    public let bytes: [UInt8]
    /// Where the payload sits inside `bytes`.
    public let payloadRange: Range<Int>

    public var payloadBytes: ArraySlice<UInt8> { bytes[payloadRange] }
    /// Whether the payload was erased (EVENTS.md §8.4): the event is its header and signature
    /// only. Its id and signature still verify; its payload never decodes.
    public var isErased: Bool { payloadRange.isEmpty && header.payloadLength > 0 }
    /// This event without its payload: header ‖ signature.
    public var erased: Event {
        let headerEnd = payloadRange.lowerBound
        return Event(header: header, id: id, bytes: Array(bytes[..<headerEnd]) + Array(signature), payloadRange: headerEnd..<headerEnd)
    }
    public var signature: ArraySlice<UInt8> { bytes[payloadRange.upperBound...] }
    public var author: PublicKey { header.author }
    /// The payload's kind number (its first two bytes); 0 when the payload is too short to say.
    public var payloadKind: UInt16 {
        let p = payloadBytes
        guard p.count >= 2 else { return 0 }
        return UInt16(p[p.startIndex]) << 8 | UInt16(p[p.startIndex + 1])
    }

    /// The payload, decoded. Unknown kinds decode to `.unknown`; a known kind whose body is
    /// not canonical throws.
    public func payload() throws(DecodeError) -> Payload { try Payload.decode(payloadBytes) }

    /// Decodes and checks an event: caps, canonical form, payload hash and id.
    /// `expectedID`, when given (from a vector or a peer), must equal the computed id.
    /// `allowErased`: also accept an erased event (header ‖ signature: exactly 64 bytes after a
    /// header whose payload length is not 0, so it is never mistaken for a whole event).
    public static func decode(_ bytes: [UInt8], expectedID: EventID? = nil, allowErased: Bool = false) throws(DecodeError) -> Event {
        guard bytes.count <= EventLimits.maxEventBytes else {
            throw DecodeError(.oversize, "event of \(bytes.count) bytes, the limit is \(EventLimits.maxEventBytes)")
        }
        var r = ByteReader(bytes)
        let header = try EventHeader.decode(&r)
        let headerEnd = r.offset
        if allowErased, header.payloadLength > 0, r.remaining == 64 {
            let id = SHA256.hash(EventLimits.idDomainTag, Array(bytes[0..<headerEnd]))
            if let expectedID, expectedID != id {
                throw DecodeError(.badID, "the id given, \(expectedID.short()), is not the hash of the header, \(id.short())")
            }
            return Event(header: header, id: id, bytes: bytes, payloadRange: headerEnd..<headerEnd)
        }
        let payloadStart = r.offset
        _ = try r.raw(Int(header.payloadLength), "payload")
        let payloadEnd = r.offset
        _ = try r.raw(64, "signature")
        guard r.isAtEnd else { throw DecodeError(.trailingBytes, "\(r.remaining) bytes after the signature") }
        let payload = bytes[payloadStart..<payloadEnd]
        guard SHA256.hash(payload) == header.payloadHash else {
            throw DecodeError(.badPayloadHash, "the payload does not hash to the header's payload hash")
        }
        let id = SHA256.hash(EventLimits.idDomainTag, Array(bytes[0..<headerEnd]))
        if let expectedID, expectedID != id {
            throw DecodeError(.badID, "the id given, \(expectedID.short()), is not the hash of the header, \(id.short())")
        }
        return Event(header: header, id: id, bytes: bytes, payloadRange: payloadStart..<payloadEnd)
    }

    /// Decodes an event the caller already verified when it was stored (its own SQLite log),
    /// skipping the two SHA-256 computations. Structure is still checked; `gloss verify`
    /// re-checks hashes and signatures from the file.
    public static func decode(stored bytes: [UInt8], id: EventID) throws(DecodeError) -> Event {
        var r = ByteReader(bytes)
        let header = try EventHeader.decode(&r)
        let payloadStart = r.offset
        if header.payloadLength > 0, bytes.count == payloadStart + 64 {
            return Event(header: header, id: id, bytes: bytes, payloadRange: payloadStart..<payloadStart)  // erased
        }
        let payloadEnd = payloadStart + Int(header.payloadLength)
        guard bytes.count == payloadEnd + 64 else {
            throw DecodeError(.truncated, "stored event \(id.short()) has \(bytes.count) bytes, its header says \(payloadEnd + 64)")
        }
        return Event(header: header, id: id, bytes: bytes, payloadRange: payloadStart..<payloadEnd)
    }

    /// Whether the signature is the author's Ed25519 signature of the id.
    public var hasValidSignature: Bool {
        header.author.verify(signature: signature, message: id.bytes)
    }

    /// An event built and hashed but not yet signed: its id is known, so the next event of the
    /// chain can name it while signatures are made on other cores.
    public struct Unsigned: Sendable {
        public let header: EventHeader
        public let headerBytes: [UInt8]
        public let id: EventID
        public let payload: [UInt8]

        public func signed(by key: SigningKey) -> Event {
            let bytes = headerBytes + payload + key.sign(id.bytes)
            return Event(header: header, id: id, bytes: bytes,
                         payloadRange: headerBytes.count..<(headerBytes.count + payload.count))
        }
    }

    public static func unsigned(author: PublicKey, seq: UInt64, prev: EventID?, lamport: UInt64, time: Int64,
                                deps: [EventID], payload: [UInt8]) -> Unsigned {
        precondition((seq == 1) == (prev == nil), "prev is absent exactly at seq 1")
        let deps = Array(Set(deps).subtracting(prev.map { [$0] } ?? [])).sorted()
        let header = EventHeader(author: author, seq: seq, prev: prev, lamport: lamport, time: time,
                                 deps: deps, payloadLength: UInt32(payload.count), payloadHash: SHA256.hash(payload))
        let headerBytes = header.encoded
        return Unsigned(header: header, headerBytes: headerBytes, id: SHA256.hash(EventLimits.idDomainTag, headerBytes), payload: payload)
    }

    /// Builds, hashes and signs a new event. The caller supplies the chain and causal position
    /// (from the log); `payload` must be canonical (it is, when it came from `Payload.encoded`).
    public static func make(key: SigningKey, seq: UInt64, prev: EventID?, lamport: UInt64, time: Int64,
                            deps: [EventID], payload: [UInt8]) -> Event {
        unsigned(author: key.publicKey, seq: seq, prev: prev, lamport: lamport, time: time, deps: deps, payload: payload)
            .signed(by: key)
    }
}
