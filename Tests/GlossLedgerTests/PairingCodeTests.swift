import GlossCore
import GlossLedger
import Testing

/// The code `gloss device link` prints: it reads back, forgives case, spaces and dashes, and
/// refuses a typing mistake with a reason.
@Suite struct PairingCodeTests {
    let code = PairingCode(linkedBy: SigningKey().publicKey, seed: SigningKey().seedBytes())

    @Test func itReadsBackAsPrintedAndAsTyped() throws {
        let text = code.text
        #expect(text.hasPrefix("GLOSS-"))
        #expect(try PairingCode(parsing: text) == code)
        let typed = text.lowercased().replacingOccurrences(of: "-", with: " ")
        #expect(try PairingCode(parsing: typed) == code)
    }

    @Test func aMistakeIsCaughtAndSaid() throws {
        var chars = Array(code.text)
        let i = chars.count - 3
        chars[i] = chars[i] == "A" ? "B" : "A"
        func refusal(_ text: String) -> String {
            do { _ = try PairingCode(parsing: text); return "accepted" } catch { return error.description }
        }
        #expect(refusal(String(chars)).contains("typing mistake"))
        #expect(refusal(String(code.text.dropLast(5))).contains("too short"))
        #expect(refusal(code.text + "1").contains("2–7"))
        #expect(refusal("hello").contains("starts with GLOSS-"))
    }
}
