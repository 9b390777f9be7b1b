import ArgumentParser
import GlossCore
import GlossStore

/// Gloss's exit statuses, decided here and nowhere else; README §Exit status lists them. The
/// numbers above 1 are the BSD `sysexits.h` ones scripts already know.
enum ExitStatus: Int32, CaseIterable, Sendable {
    /// Done.
    case ok = 0
    /// The command ran and found nothing, or found problems: `search` without a hit (as grep
    /// does), `verify` naming a bad event, a `sync` that recorded a fork.
    case found = 1
    /// The command line is wrong: an unknown option, a missing or malformed argument (EX_USAGE).
    case usage = 64
    /// Input that cannot be used: a quote not in the article, a file that is not UTF-8 text, an
    /// empty comment, an invalid bundle or event (EX_DATAERR).
    case badInput = 65
    /// Something named does not exist: no ledger there, no article or annotation with that id,
    /// a missing file (EX_NOINPUT).
    case notFound = 66
    /// The peer could not be reached, was busy, or refused or broke off the session
    /// (EX_UNAVAILABLE).
    case peer = 69
    /// The ledger could not be read or written: the disk, the database, a damaged file (EX_IOERR).
    case ledger = 74
    /// Not permitted: a ledger that other users may read or another user owns, another
    /// author's annotation, an article you did not add (EX_NOPERM).
    case permission = 77
    /// Stopped by Ctrl-C (or SIGTERM) before it finished (128 + SIGINT).
    case interrupted = 130

    /// What each status means, for `--help` (each fits an 80-column line).
    var meaning: String {
        switch self {
        case .ok: "done"
        case .found: "nothing found (search) or problems found (verify, a fork found by sync)"
        case .usage: "the command line is wrong"
        case .badInput: "input that cannot be used (a quote not in the article, a non-UTF-8 file…)"
        case .notFound: "no ledger, article, annotation, event, peer or file by that name"
        case .peer: "the peer was unreachable or busy, or refused or broke off the session"
        case .ledger: "the ledger could not be read or written (disk, database, damage)"
        case .permission: "not permitted (ledger permissions, someone else's annotation or article)"
        case .interrupted: "interrupted (Ctrl-C)"
        }
    }

    /// The status of a store failure.
    static func of(_ e: StoreError) -> ExitStatus {
        switch e.code {
        case .noLedger: .notFound
        case .keyPermissions, .ledgerPermissions: .permission
        case .notALedger, .newerSchema, .keyFile, .io, .sqlite, .internal: .ledger
        case .alreadyExists, .invalidEvent, .badSignature, .missingParent, .brokenChain, .badLamport,
             .fork, .authorForked, .appendOnly: .badInput
        }
    }
}
