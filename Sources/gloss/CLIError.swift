import GlossCore
import GlossStore

/// An error the CLI reports: one message saying what was wrong and what to do, and the exit
/// status it ends with (`ExitStatus`). `Gloss.main` prints it as `Error: <message>` on standard
/// error, neutralised.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let status: ExitStatus
    init(_ message: String, _ status: ExitStatus = .badInput) { description = message; self.status = status }
    init(_ error: any Error) {
        switch error {
        case let e as CLIError: self = e
        case let e as StoreError: self.init(e.message, ExitStatus.of(e))
        case let e as AnchorError: self.init(e.description, .badInput)
        case let e as DecodeError: self.init(e.message, .badInput)
        default: self.init("\(error)", .badInput)
        }
    }
}

/// Runs `body`, turning any error into a `CLIError` with a message a person can act on.
func reporting<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch { throw CLIError(error) }
}
