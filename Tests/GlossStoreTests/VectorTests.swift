import Foundation
import GlossCore
import GlossStore
import Testing
import GlossTestSupport

/// Checks the code against Protocol/vectors/events.json in both directions: fields → bytes, id
/// and signature; bytes → fields; and every negative vector refused with its error code.
@Suite struct VectorTests {
    static func load() throws -> VectorFile {
        if ProcessInfo.processInfo.environment["GLOSS_WRITE_VECTORS"] == "1" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(try VectorGenerator.make()).write(to: Vectors.url)
        }
        return try JSONDecoder().decode(VectorFile.self, from: Data(contentsOf: Vectors.url))
    }

    /// EVENTS.md §8.4: an erased event is its header ‖ signature, with the id and signature of
    /// the whole event; it decodes only where erased events are expected.
    @Test func erasedFormsKeepTheirIdAndSignature() throws {
        let file = try Self.load()
        #expect(!file.erased.isEmpty)
        for v in file.erased {
            let whole = try Event.decode(try #require(Hex.decode(v.eventHex)))
            let bytes = try #require(Hex.decode(v.erasedHex))
            #expect(whole.erased.bytes == bytes, "\(v.name): header ‖ signature")
            let erased = try Event.decode(bytes, allowErased: true)
            #expect(erased.isErased && erased.id.hex == v.id && erased.hasValidSignature, "\(v.name)")
            #expect(throws: DecodeError.self) { try Event.decode(bytes) }
        }
    }

    @Test func domainTagIsTheSpecs() throws {
        #expect(try Self.load().domainTag == Hex.encode(Array("gloss/event/v1".utf8) + [0]))
    }

    @Test func fieldsEncodeToTheVectorBytes() throws {
        let file = try Self.load()
        #expect(file.valid.count >= 10)
        for v in file.valid {
            let key = try SigningKey(seed: try #require(Hex.decode(v.seed)))
            #expect(key.publicKey.hex == v.publicKey, "\(v.name): public key")
            let payload = try v.payload.payload()
            let bytes = try payload.encoded()
            #expect(Hex.encode(bytes) == v.payloadHex, "\(v.name): payload bytes")
            let e = Event.make(key: key, seq: v.header.seq, prev: v.header.prev.flatMap { Hash32(hex: $0) },
                               lamport: v.header.lamport, time: v.header.time,
                               deps: v.header.deps.compactMap { Hash32(hex: $0) }, payload: bytes)
            #expect(Hex.encode(e.header.encoded) == v.headerHex, "\(v.name): header bytes")
            #expect(e.id.hex == v.id, "\(v.name): id")
            #expect(Hex.encode(e.signature) == v.signature, "\(v.name): signature")
            #expect(Hex.encode(e.bytes) == v.eventHex, "\(v.name): event bytes")
        }
    }

    @Test func vectorBytesDecodeToTheFields() throws {
        for v in try Self.load().valid {
            let e = try Event.decode(try #require(Hex.decode(v.eventHex)), expectedID: Hash32(hex: v.id))
            #expect(e.hasValidSignature, "\(v.name): signature verifies")
            #expect(e.author.hex == v.publicKey)
            let h = e.header
            #expect(HeaderFields(seq: h.seq, prev: h.prev?.hex, lamport: h.lamport, time: h.time, deps: h.deps.map(\.hex)) == v.header, "\(v.name)")
            #expect(PayloadFields(try e.payload()) == v.payload, "\(v.name): payload fields")
        }
    }

    @Test func validVectorsAppendInOrder() throws {
        let dir = try TempDir()
        let log = try EventLog(path: dir.path + "/l.sqlite", create: true)
        let events = try Self.load().valid.map { try Event.decode(Hex.decode($0.eventHex)!) }
        let r = try log.append(events)
        #expect(r.stored.count == events.count)
        #expect(try log.verifyAll().isEmpty)
    }

    @Test(arguments: try! VectorTests.load().invalid.map(\.name))
    func invalidVectorIsRefused(name: String) throws {
        let v = try #require(try Self.load().invalid.first { $0.name == name })
        #expect(try Self.firstError(v) == v.error, "\(v.name): \(v.why)")
    }

    /// The code of the first check the event fails, in the order of Protocol/EVENTS.md §Verification.
    static func firstError(_ v: InvalidVector) throws -> String {
        let bytes = try #require(Hex.decode(v.eventHex))
        let decoded = Result { () throws(DecodeError) -> Event in
            let e = try Event.decode(bytes, expectedID: v.claimedID.flatMap { Hash32(hex: $0) })
            _ = try e.payload()
            return e
        }
        let event: Event
        switch decoded {
        case .failure(let e): return e.code.rawValue
        case .success(let e): event = e
        }
        if !event.hasValidSignature { return "bad-signature" }
        let dir = try TempDir()
        let log = try EventLog(path: dir.path + "/l.sqlite", create: true)
        try log.append(try v.stored.map { try Event.decode(Hex.decode($0)!) })
        do { try log.append([event]) } catch { return error.code.rawValue }
        return "accepted"
    }
}
