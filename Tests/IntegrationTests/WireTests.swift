import Foundation
import GlossCore
import Testing

/// What crosses the wire, seen by a recording proxy between two real peers.
@Suite struct WireTests {
    @Test func nothingPrivateCrossesInClear() throws {
        let alice = try GlossRunner(), bob = try GlossRunner()
        try alice.ok("init"); try bob.ok("init")
        try alice.ok("peer", "allow", bob.publicKey)
        try alice.ok("article", "add", GlossRunner.seedPath)
        let article = try alice.firstID("article", "list")
        let comment = "A private reading note about Tokayev"
        try alice.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", comment, "--tag", "secret-tag-xyzzy")
        let server = try ServerProcess(alice)
        let proxy = try RecordingProxy(upstreamPort: server.port)
        defer { proxy.stop() }
        let out = try bob.ok("sync", "127.0.0.1:\(proxy.port)", "--expect-key", alice.publicKey)
        #expect(out.contains("received 2 (2 new"))
        #expect(try bob.ok("list").contains(comment), "the sync really carried the note")
        let wire = proxy.bytes
        #expect(wire.count > 5000)
        let seed = try String(contentsOfFile: GlossRunner.seedPath, encoding: .utf8)
        let secrets: [(String, [UInt8])] = [
            ("the comment", Array(comment.utf8)),
            ("the tag", Array("secret-tag-xyzzy".utf8)),
            ("the quote", Array("Kazakhstan overnight".utf8)),
            ("the article text", Array(seed.utf8.dropFirst(200).prefix(40))),
            ("alice's key", Hex.decode(alice.publicKey)!), ("bob's key", Hex.decode(bob.publicKey)!),
            ("alice's key in hex", Array(alice.publicKey.utf8)), ("bob's key in hex", Array(bob.publicKey.utf8)),
        ]
        for (what, bytes) in secrets {
            #expect(!wire.contains(bytes: bytes), "\(what) crossed the wire in clear")
        }
        // The proxy saw the real traffic: the clear HELLO magic is there.
        #expect(wire.contains(bytes: Array("GLOSSYNC".utf8)))
    }
}
