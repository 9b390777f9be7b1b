import Foundation
import GlossCore
import Testing

/// Protocol/vectors/ed25519.json: the Ed25519 edge cases of Protocol/EVENTS.md §5 (small-order
/// and non-canonical keys, non-canonical R and S, cofactored-only signatures), each with the
/// answer OpenSSL gives. `PublicKey.verify` decides which events may be stored, so every peer
/// must give the same answers.
struct Ed25519Vectors: Codable {
    struct Case: Codable {
        var name: String
        var source: String
        var publicKey: String
        var message: String
        var signature: String
        var valid: Bool
        var tests: String
    }
    var format: String
    var cases: [Case]
}

@Suite struct Ed25519EdgeCaseTests {
    static func load() throws -> Ed25519Vectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocol/vectors/ed25519.json")
        return try JSONDecoder().decode(Ed25519Vectors.self, from: Data(contentsOf: url))
    }

    static func verify(_ c: Ed25519Vectors.Case) throws -> Bool {
        let key = try #require(PublicKey(hex: c.publicKey), "\(c.name): publicKey is not 32 bytes of hex")
        let message = try #require(Hex.decode(c.message), "\(c.name): message is not hex")
        let signature = try #require(Hex.decode(c.signature), "\(c.name): signature is not hex")
        return key.verify(signature: signature[...], message: message)
    }

    @Test func everyCaseGetsItsAnswer() throws {
        let v = try Self.load()
        #expect(v.format == "gloss-ed25519-vectors-v1")
        #expect(v.cases.count >= 27, "the file lost cases")
        #expect(v.cases.contains { $0.valid } && v.cases.contains { !$0.valid })
        for c in v.cases {
            #expect(try Self.verify(c) == c.valid, "\(c.name): expected \(c.valid ? "valid" : "refused") (\(c.tests))")
        }
    }

    /// The twelve cases of "Taming the many EdDSAs" (novifinancial/ed25519-speccheck), against
    /// the OpenSSL 3 row of its published results, independently of the file's `valid` fields.
    @Test func speccheckMatchesThePublishedOpenSSLRow() throws {
        let v = try Self.load()
        let published = [true, true, true, true, false, false, false, false, false, false, false, true]
        for (i, expected) in published.enumerated() {
            let c = try #require(v.cases.first { $0.name == "speccheck \(i)" }, "speccheck \(i) is missing")
            #expect(c.valid == expected, "speccheck \(i): the file says \(c.valid)")
            #expect(try Self.verify(c) == expected, "speccheck \(i): \(c.tests)")
        }
    }

    /// One case per rule of EVENTS.md §5, by name, so that none can quietly go.
    @Test func eachRuleOfTheSpecHasACase() throws {
        let v = try Self.load()
        let expected: [(String, Bool)] = [
            ("S + L: non-canonical S", false),
            ("identity key: any message", true),
            ("all-zero key (order 4), equation holds", true),
            ("non-canonical key: identity with y = p + 1", true),
            ("non-canonical key: identity with the sign bit set", true),
            ("non-canonical R: identity with y = p + 1", false),
            ("non-canonical R: identity with the sign bit set", false),
            ("speccheck 4", false),  // cofactored only: the check is cofactorless
        ]
        for (name, valid) in expected {
            let c = try #require(v.cases.first { $0.name == name }, "\(name) is missing")
            let got = try Self.verify(c)
            #expect(c.valid == valid && got == valid, "\(name): the file says \(c.valid), verify says \(got)")
        }
    }
}
