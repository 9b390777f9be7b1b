import Foundation
import Testing

/// One key on two devices that both wrote offline: the fork is found over sync, kept as
/// evidence on both sides, reported with a non-zero exit, and every other event still moves.
@Suite(.serialized) struct ForkSyncTests {
    /// A laptop and a phone holding the same key and the same first two events; then the
    /// laptop writes `laptopBranch` annotations and the phone `phoneBranch`, offline.
    func forkedDevices(laptopBranch: Int, phoneBranch: Int) throws -> (laptop: GlossRunner, phone: GlossRunner, server: ServerProcess) {
        let laptop = try GlossRunner(), phone = try GlossRunner()
        try laptop.ok("init")
        try laptop.ok("article", "add", GlossRunner.seedPath)
        let article = try laptop.firstID("article", "list")
        try laptop.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", "before the fork")
        let keyFile = laptop.home + "/moving.key"
        try laptop.ok("key", "export", "--to", keyFile)
        try phone.ok("init")
        try phone.ok("key", "import", keyFile)
        let server = try ServerProcess(laptop)
        try phone.ok("sync", server.address)
        // The phone's copy of the key writes without syncing again: the chains fork at seq 3.
        for i in 0..<laptopBranch { try laptop.ok("annotate", article, "--quote", "Putin", "--occurrence", "1", "--comment", "laptop \(i)") }
        for i in 0..<phoneBranch { try phone.ok("annotate", article, "--quote", "Putin", "--occurrence", "2", "--comment", "phone \(i)") }
        return (laptop, phone, server)
    }

    @Test(arguments: [(1, 1), (1, 3), (3, 1)])
    func aForkOverSyncIsRecordedAndReportedOnBothSides(laptopBranch: Int, phoneBranch: Int) throws {
        let (laptop, phone, server) = try forkedDevices(laptopBranch: laptopBranch, phoneBranch: phoneBranch)
        let r = try phone.run(["sync", server.address])
        #expect(r.status != 0, "the side that learns of a fork exits non-zero")
        #expect(r.out.contains("fork recorded: author \(phone.publicKey) forked its chain at seq"), "\(r.out)")
        #expect(r.err.contains("fork was found and recorded as evidence") && r.err.contains("gloss verify"), "\(r.err)")
        #expect(r.out.contains("Synced with"), "the rest of the sync completed")
        #expect(server.log.contains("fork recorded: author \(laptop.publicKey)"), "the server keeps the evidence too")
        for g in [laptop, phone] {
            let v = try g.run(["verify"])
            #expect(v.status != 0 && v.out.contains("forked its chain at seq"), "verify lists the evidence: \(v.out)")
        }
        // The fork is known now: the next sync reports it, records nothing new, and succeeds.
        let again = try phone.run(["sync", server.address])
        #expect(again.status == 0, "\(again.err)")
        #expect(!again.out.contains("fork recorded"))
    }
}
