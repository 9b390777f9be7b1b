import ArgumentParser
import GlossStore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a ledger and a new author key, and print the public key.",
        discussion: "The folder gets ledger.sqlite (the event log) and key (your private key, mode 0600). Keep the key file private and backed up: it is your identity as an author.")

    @OptionGroup var options: LedgerOptions

    func run() throws {
        let folder = options.folder
        let ledger = try reporting { try Ledger.create(at: folder) }
        print("Created a ledger in \(folder)")
        print("Your public key (your author id; give it to peers):")
        print(ledger.key.publicKey.hex)
    }
}

struct WhoamiCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "Print this ledger's public key (your author id; with linked devices, this device's key).")

    @OptionGroup var options: LedgerOptions

    func run() throws {
        let ledger = try options.open()
        print(ledger.key.publicKey.hex)
        // Only this device's key on standard output (scripts read it); its identity beside.
        if let identity = try? ledger.identity(), identity != ledger.key.publicKey {
            Console.error("(a device of identity \(identity.hex): `gloss device list` shows its devices)\n")
        }
    }
}
