import GlossCore

/// Why the ledger refused an operation. `code` is stable (tests and the CLI match on it);
/// `message` says what was wrong and what to do. Never carries key material or event bodies.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// The closed set of reasons.
    public enum Code: String, Sendable {
        case noLedger = "no-ledger", alreadyExists = "already-exists", notALedger = "not-a-ledger"
        case newerSchema = "newer-schema", keyFile = "key-file", keyPermissions = "key-permissions"
        case ledgerPermissions = "ledger-permissions"
        case invalidEvent = "invalid-event", badSignature = "bad-signature"
        case missingParent = "missing-parent", brokenChain = "broken-chain", badLamport = "bad-lamport"
        case fork, authorForked = "author-forked", appendOnly = "append-only"
        case io, sqlite
        /// A failure that is neither the ledger's nor the input's (a bug): its cause says what.
        case `internal` = "internal"
    }
    /// What failed underneath, kept so that callers decide on it rather than on text.
    public enum Cause: Sendable, Equatable {
        /// SQLite's extended result code (`sqlite3_extended_errcode`) and message.
        case sqlite(code: Int32, message: String)
        /// The event or payload did not decode or encode.
        case decode(DecodeError)
        /// Anything else, as it described itself.
        case other(String)
    }
    public let code: Code
    public let message: String
    /// The event the error is about, when there is one.
    public let event: EventID?
    public let cause: Cause?

    public init(_ code: Code, _ message: String, event: EventID? = nil, cause: Cause? = nil) {
        self.code = code; self.message = message; self.event = event; self.cause = cause
    }
    public var description: String { message }

    /// Maps a SQLite failure to what a person can act on.
    static func from(_ e: SQLiteError, path: String) -> StoreError {
        let cause = Cause.sqlite(code: e.code, message: e.message)
        if e.isCorrupt {
            return StoreError(.notALedger, "\(path) is not a Gloss ledger database (SQLite says: \(e.message)); check --ledger, or restore the file from a backup", cause: cause)
        }
        if e.isBusy {
            return StoreError(.sqlite, "the ledger at \(path) stayed locked by another process for 10 s; try again when it is done", cause: cause)
        }
        // Nothing was written in these cases: the transaction rolled back.
        if e.isReadOnly {
            return StoreError(.io, "the ledger at \(path) cannot be written: the file, its folder or its disk is read-only (nothing was changed). Check `ls -l` of the file and its folder, or remount the disk read-write", cause: cause)
        }
        if e.isFull {
            return StoreError(.io, "the disk holding \(path) is full (nothing was changed): free some space, then try again", cause: cause)
        }
        if e.isIOError {
            return StoreError(.io, "the disk failed while reading or writing \(path) (nothing was changed): check the disk (`dmesg`), then run `gloss verify`", cause: cause)
        }
        return StoreError(.sqlite, "\(path): \(e.message)", cause: cause)
    }
}
