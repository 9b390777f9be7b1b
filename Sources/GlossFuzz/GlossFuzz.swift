import GlossCore
import GlossSync
#if canImport(Glibc)
import Glibc
#endif

#if FUZZING
/// libFuzzer's entry point; the target comes from GLOSS_FUZZ_TARGET (frame, event, handshake).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzTargets.run(target, bytes)
    return 0
}

let target: String = getenv("GLOSS_FUZZ_TARGET").map { String(cString: $0) } ?? "frame"
#else
/// Without libFuzzer: `GlossFuzz TARGET FILE…` runs each file through the target, so a crash
/// found by `make fuzz` can be replayed and kept as a regression test.
@main
struct GlossFuzz {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let target = args.first, FuzzTargets.names.contains(target) else {
            print("usage: GlossFuzz \(FuzzTargets.names.joined(separator: "|")) FILE…")
            exit(2)
        }
        for path in args.dropFirst() {
            guard let f = fopen(path, "rb") else { print("cannot read \(path)"); exit(1) }
            var bytes: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = fread(&buf, 1, buf.count, f)
                if n <= 0 { break }
                bytes += buf[0..<n]
            }
            fclose(f)
            FuzzTargets.run(target, bytes)
        }
        print("\(target): \(args.count - 1) inputs, no crash")
    }
}
#endif
