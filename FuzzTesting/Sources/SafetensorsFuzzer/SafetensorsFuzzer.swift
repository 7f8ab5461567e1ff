import Inference

/// libFuzzer entry point for the safetensors header parser and the model loader.
///
/// Oracles beyond "no crash, no ASan report": every failure is a `WeightsError` whose message
/// starts with the file name; an accepted container has every entry inside the data section
/// with a byte count matching its shape; every F32/F16 entry converts to exactly shape-product
/// floats; and building a model either succeeds or throws `WeightsError`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let st: Safetensors
    do {
        st = try Safetensors(bytes: bytes, file: "fuzz.safetensors")
    } catch let e as WeightsError {
        guard e.description.hasPrefix("fuzz.safetensors: ") else { fatalError("message lacks the file: \(e)") }
        return 0
    } catch {
        fatalError("untyped error \(error)")
    }
    for (name, e) in st.entries {
        guard e.begin >= 0, e.begin <= e.end, e.end <= size else { fatalError("\(name) accepted outside the file") }
        guard e.dtype == "F32" || e.dtype == "F16" else { continue }
        let count = e.shape.reduce(1, *)
        guard count <= 1 << 20 else { continue }
        do {
            let v = try st.floats(name, shape: e.shape)
            guard v.count == count else { fatalError("\(name): \(v.count) floats for shape \(e.shape)") }
        } catch is WeightsError {
            // non-finite values are rejected with a WeightsError
        } catch {
            fatalError("untyped error \(error)")
        }
    }
    do {
        _ = try AnomalyModel(safetensors: st)
    } catch is WeightsError {
    } catch {
        fatalError("untyped error \(error)")
    }
    return 0
}
