import ArgumentParser
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore

/// One person, several devices: each device signs with its own key and its own chain (so two
/// devices writing offline never fork), and a signed link makes it write for one identity.
struct DeviceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device", abstract: "Write as one person from several devices: link, list and revoke them.",
        discussion: Help.reflow("""
            Each device has its own key and its own chain of events, so a laptop and a phone can
            both annotate offline and sync later without forking. A device.linked event makes a new
            device write for your identity (the key of your first device): everyone then shows its
            annotations as yours, and you may edit on one device what you wrote on another.

            Pairing, one step on each device:
              on the device you have:  gloss device link
              on the new device:       gloss device link GLOSS-XXXXX-…
            which creates the new device's ledger if needed. Then sync the two (either may serve), or
            in the same step: run `gloss serve` on the device you have and add `--sync HOST:PORT` on
            the new one. `--out FILE` writes the code to a file (mode 0600)
            instead of printing it. The code holds the new device's private key: anyone who sees it
            can write as you until you revoke that device.

            `gloss device revoke KEY` (from any of your devices) says which of that device's events
            still count: those up to its newest seq this ledger holds, or `--last-seq N`. Its later
            events have no effect on any peer, whatever order they arrive in, and peers stop
            syncing with it. `gloss key export/import` still moves one device's own key (a backup).
            """),
        subcommands: [Link.self, List.self, Revoke.self])

    struct Link: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pair a new device: without CODE, mint one here; with CODE, become the device it names.",
            discussion: Help.reflow("""
                Without CODE: makes a key for the new device, appends the device.linked event that
                makes it yours, and prints the pairing code (or writes it to --out FILE).
                With CODE (or --from FILE): this ledger takes the key the code holds and allows the
                device that made it as a peer; when the ledger folder does not exist yet it is
                created. With --sync HOST:PORT it then syncs with that device (which must be the
                one serving there), so the link and everything it holds arrive at once. Refused when this ledger's own key has already written events (they would
                be orphaned: link a fresh folder). Enter a code on one device only: two devices
                with one key would fork its chain.
                """))
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The pairing code printed by `gloss device link` on your other device.") var code: String?
        @Option(help: "Read the pairing code from FILE (as written by --out).") var from: String?
        @Option(help: "Write the new pairing code to FILE (mode 0600; it must not exist) instead of printing it.") var out: String?
        @Option(help: "With a code: then sync with the device that made it, served at HOST:PORT.") var sync: String?

        func validate() throws {
            if code != nil && from != nil { throw ValidationError("give the pairing code or --from FILE, not both") }
            if out != nil && (code != nil || from != nil) { throw ValidationError("--out writes a new code; it does not go with a code to use") }
            if sync != nil && code == nil && from == nil { throw ValidationError("--sync goes with a pairing code (on the new device)") }
        }

        func run() throws {
            if let text = try codeText() { try join(text) } else { try mint() }
        }

        private func codeText() throws -> String? {
            guard let from else { return code }
            let bytes = try readInput(from, limit: 4096)
            return String(decoding: bytes, as: UTF8.self)
        }

        /// On the device that has the identity: a key for the new device, linked here.
        private func mint() throws {
            let ctx = try Context(options)
            try ctx.requireNotRevoked()
            // Checked before the link is written: a link whose code went nowhere helps nobody.
            if let out, FileSystem.exists(out) {
                throw CLIError("\(out) already exists: choose a new file for the pairing code (it is written once, mode 0600)", .usage)
            }
            let device = SigningKey()
            let identity = ctx.myIdentity
            let link = DeviceLinked(identity: identity, signingConsentWith: device)
            try ctx.append([.deviceLinked(link)])
            let code = PairingCode(linkedBy: ctx.me, seed: device.seedBytes()).text
            print("Linked a new device \(device.publicKey.hex) to your identity \(identity.hex).")
            if let out {
                try reporting { try FileSystem.writeNew(out, Array((code + "\n").utf8), mode: 0o600) }
                print("Wrote its pairing code to \(out) (mode 0600). On the new device: gloss device link --from \(out)")
            } else {
                print("On the new device, run:\n\n  gloss device link \(code)\n")
            }
            print("The code holds that device's private key: keep it private, use it once, then delete it.")
            print("Then sync the two devices (gloss serve here, and --sync HOST:PORT with the code there; or gloss sync either way).")
        }

        /// On the new device: take the key the code holds.
        private func join(_ text: String) throws {
            let pairing: PairingCode
            do { pairing = try PairingCode(parsing: text) } catch { throw CLIError(error.description, .usage) }
            let key: SigningKey
            do { key = try SigningKey(seed: pairing.seed) } catch { throw CLIError("this pairing code does not hold a usable key (\(error)); make a new one on your other device", .usage) }
            let folder = options.folder
            let ledger: Ledger
            if FileSystem.exists(folder + "/" + Ledger.databaseName) {
                ledger = try options.open()
                if ledger.key.publicKey == key.publicKey {
                    print("This ledger is already that device (\(key.publicKey.hex)).")
                    // A sync that failed last time is tried again.
                    if let sync { try syncWith(sync, pairing, ledger, folder) }
                    return
                }
                if let tip = try reporting({ try ledger.log.tip(of: ledger.key.publicKey) }) {
                    throw CLIError("this ledger's key \(ledger.key.publicKey.raw.short(16)) has written \(tip.seq) event\(tip.seq == 1 ? "" : "s"); taking the new device's key would orphan them. Link a new folder instead: gloss --ledger NEW device link CODE", .badInput)
                }
                try reporting { try ledger.replaceKey(key) }
            } else {
                ledger = try reporting { try Ledger.create(at: folder, key: key) }
                print("Created a ledger in \(folder)")
            }
            // Allowed, keeping the name it may already have on this ledger's allow-list.
            if pairing.linkedBy != key.publicKey, try !reporting({ try ledger.log.peers() }).contains(where: { $0.key == pairing.linkedBy }) {
                try reporting { try ledger.log.allowPeer(pairing.linkedBy, name: "") }
            }
            print("This ledger now writes as device \(key.publicKey.hex), linked by your device \(pairing.linkedBy.hex).")
            guard let sync else {
                print("Sync with that device to bring the link here: gloss sync HOST:PORT (it serves with gloss serve).")
                print("Until the link arrives, what you write here shows as this device's own key; afterwards, as yours.")
                return
            }
            try syncWith(sync, pairing, ledger, folder)
        }

        /// The first sync, with the device that made the code (pinned to its key).
        private func syncWith(_ address: String, _ pairing: PairingCode, _ ledger: Ledger, _ folder: String) throws {
            var session = try SyncCommand.parse(["--ledger", folder, address, "--expect-key", pairing.linkedBy.hex])
            try session.run()
            let identity = try reporting { try ledger.log.devices() }.identity(of: ledger.key.publicKey)
            if identity == ledger.key.publicKey {
                throw CLIError("synced, but the link did not arrive: was the device serving at \(address) the one that made this code? Sync with it once more", .peer)
            }
            print("Linked: this device writes for identity \(identity.hex).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your identity's devices (all identities with --all).")
        @OptionGroup var options: LedgerOptions
        @Flag(help: "Every identity with linked or revoked devices, not only yours.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let ctx = try Context(options)
            let m = ctx.devices
            var identities = [ctx.myIdentity]
            if all {
                let others = Set(m.links.values.map(\.identity)).union(m.revocations.keys.map { m.identity(of: $0) })
                identities += others.subtracting([ctx.myIdentity]).sorted()
            }
            let tips = try reporting { try ctx.log.frontier() }.tips
            if json {
                var out = JSONArrayWriter()
                for i in identities {
                    for d in m.devices(of: i) {
                        var o: [String: JSON] = ["identity": .string(i.hex), "device": .string(d.hex), "thisDevice": .bool(d == ctx.me),
                                                 "newestSeq": .int(Int64(tips[d]?.seq ?? 0))]
                        if let l = m.links[d] { o["linkedBy"] = .string(l.event.id.hex); o["linked"] = .int(l.event.time) }
                        if let r = m.revocations[d] { o["revokedAfterSeq"] = .int(Int64(r.lastSeq)); o["revokedBy"] = .string(r.event.id.hex) }
                        out.add(.object(o))
                    }
                }
                out.finish()
                return
            }
            for i in identities {
                print("Identity \(i.hex)\(i == ctx.myIdentity ? " (you)" : "  \(Format.quote(ctx.who(i), max: 60))")")
                for d in m.devices(of: i) {
                    var line = "  \(d.hex)"
                    if d == ctx.me { line += "  this device" }
                    if d == i { line += "  first device" }
                    if let l = m.links[d] { line += "  linked \(Format.time(l.event.time))" }
                    line += "  newest seq \(tips[d]?.seq ?? 0)"
                    if let r = m.revocations[d] { line += "  REVOKED: only its events up to seq \(r.lastSeq) count" }
                    print(line)
                }
            }
            if !all && m.devices(of: ctx.myIdentity).count == 1 {
                print("No other device is linked. Pair one: gloss device link")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke one of your devices: its events after a seq stop counting everywhere.",
            discussion: Help.reflow("""
                KEY is a device of your identity (a unique prefix of its key, as `gloss device list`
                prints). Its events up to --last-seq count; the default is the newest of its events
                this ledger holds, so everything you have seen from it stays. Use a lower seq when
                the device was lost or stolen before it wrote those. Every peer then ignores the
                device's later events and refuses to sync with it.
                """))
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The device to revoke (a unique prefix of its key).") var key: String
        @Option(name: .customLong("last-seq"), help: "The device's last event (seq) that still counts; 0: none of them.") var lastSeq: UInt64?
        @Flag(help: "Confirm revoking the device you are using: nothing it writes afterwards counts.") var yes = false

        func run() throws {
            let ctx = try Context(options)
            try ctx.requireNotRevoked()
            let mine = ctx.devices.devices(of: ctx.myIdentity)
            let p = key.lowercased()
            guard !p.isEmpty, p.allSatisfy(\.isHexDigit) else {
                throw CLIError("\"\(key)\" is not a device key: give hex digits of its key, as `gloss device list` prints", .usage)
            }
            let matches = mine.filter { $0.hex.hasPrefix(p) }
            guard matches.count == 1, let device = matches.first else {
                if matches.isEmpty { throw CLIError("no device of your identity has a key starting with \(p); `gloss device list` shows them", .notFound) }
                throw CLIError("\(p) matches \(matches.count) of your devices; type more digits", .usage)
            }
            if device == ctx.me && !yes {
                throw CLIError("\(device.raw.short(16)) is this device: once revoked, nothing it writes counts anywhere, and it cannot be linked again. Revoke it from another of your devices, or run again with --yes", .usage)
            }
            let held = try reporting { try ctx.log.tip(of: device) }?.seq ?? 0
            let n = lastSeq ?? held
            if let old = ctx.devices.revocations[device], old.lastSeq <= n {
                throw CLIError("device \(device.raw.short(16)) is already revoked after seq \(old.lastSeq); a revocation can only lower that", .badInput)
            }
            try ctx.append([.deviceRevoked(DeviceRevoked(identity: ctx.myIdentity, device: device, lastSeq: n))])
            print("Revoked device \(device.hex): its events up to seq \(n) count, later ones have no effect on any peer that receives this revocation.")
            if n < held { print("This ledger holds its events up to seq \(held): those after \(n) no longer count.") }
            if device == ctx.me { print("That is this device: what it writes from now on has no effect. Pair a new one from another device.") }
            print("Sync to spread the revocation: gloss sync HOST:PORT")
        }
    }
}

extension Context {
    /// Refuses to write from a revoked device: what it signs would have no effect anywhere.
    func requireNotRevoked() throws {
        if let r = devices.revocations[me] {
            throw CLIError("this device (\(me.raw.short(16))) was revoked: only its events up to seq \(r.lastSeq) count, and anything it writes now would have no effect. Pair a new device from one of your others: gloss device link", .permission)
        }
    }
}
