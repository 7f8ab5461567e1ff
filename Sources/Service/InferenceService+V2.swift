import Foundation
import HTTPServer
import Imaging
import Inference

/// The KServe Open Inference Protocol v2 subset (REST), including the binary tensor data
/// extension (`Inference-Header-Content-Length`).
///
/// Inputs: `input` FP32 `[1,3,S,S]` (already normalised with the model's `input_mean`/`input_std`),
/// or `image` BYTES `[1]` holding an encoded JPEG/PNG (base64 in JSON, raw with the binary extension).
/// Outputs: `anomaly_score` FP32 `[1]`, `anomaly_map` FP32 `[1,1,S,S]`.
///
/// Errors on these routes use the protocol's own shape, `{"error":"<message>"}` (what KServe and
/// Triton clients parse), instead of the service's `{"error":{"code","message"}}`; the status is
/// the same.
extension InferenceService {
    /// Renders thrown errors in the v2 protocol's error shape.
    static func v2(_ handler: @escaping HTTPHandler) -> HTTPHandler {
        { request in
            do {
                return try await handler(request)
            } catch let error as any HTTPResponseError {
                return v2Error(error.status, "\(error.code): \(error.message)", headers: error.extraHeaders)
            }
        }
    }

    static func v2Error(_ status: Int, _ message: String, headers: [(String, String)] = []) -> HTTPResponse {
        var w = JSONWriter()
        w.beginObject(); w.field("error", message); w.endObject()
        var response = HTTPResponse.json(status, w.text)
        for (name, value) in headers { response.headers[name] = value }
        return response
    }

    func addV2Routes(to router: Router) {
        router.add("GET", "/v2") { _ in
            .json(200, #"{"name":"hkt-serve","version":"1","extensions":["binary_tensor_data"]}"#)
        }
        router.add("GET", "/v2/health/live", execution: .inline) { _ in .json(200, #"{"live":true}"#) }
        router.add("GET", "/v2/health/ready", execution: .inline) { [self] _ in
            isReady ? .json(200, #"{"ready":true}"#) : Self.v2Error(503, "not_ready: not ready", headers: [("Retry-After", "1")])
        }
        router.add("GET", "/v2/models/{model}", Self.v2 { [self] request in
            let model = try registry.model(named: request.pathParameters["model"])
            let s = model.metadata.imageSize
            var w = JSONWriter()
            w.beginObject()
            w.field("name", model.name)
            w.key("versions"); w.beginArray(); w.string(model.metadata.version); w.endArray()
            w.field("platform", "hkt-serve/\(model.metadata.arch)")
            w.key("inputs"); w.beginArray()
            Self.tensorSpec("input", "FP32", [1, 3, s, s], into: &w)
            Self.tensorSpec("image", "BYTES", [1], into: &w)
            w.endArray()
            w.key("outputs"); w.beginArray()
            Self.tensorSpec("anomaly_score", "FP32", [1], into: &w)
            Self.tensorSpec("anomaly_map", "FP32", [1, 1, s, s], into: &w)
            w.endArray()
            w.endObject()
            return .json(200, w.text)
        })
        router.add("GET", "/v2/models/{model}/ready", Self.v2 { [self] request in
            let model = try registry.model(named: request.pathParameters["model"])
            guard isReady else { throw ServiceError.notReady("not ready") }
            return .json(200, #"{"name":"\#(model.name)","ready":true}"#)
        })
        router.add("POST", "/v2/models/{model}/infer", Self.v2 { [self] request in
            try await countingRejections { try await infer(request) }
        })
    }

    static func tensorSpec(_ name: String, _ type: String, _ shape: [Int], into w: inout JSONWriter) {
        w.beginObject(); w.field("name", name); w.field("datatype", type)
        w.key("shape"); w.beginArray(); shape.forEach { w.int($0) }; w.endArray()
        w.endObject()
    }

    func infer(_ request: HTTPRequest) async throws -> HTTPResponse {
        try authorize(request, token: configuration.apiToken)
        try requireReady()
        let model = try registry.model(named: request.pathParameters["model"])
        let deadline = try deadline(of: request)

        // Split the JSON header from the binary tensor data.
        var jsonBytes = request.body[...]
        var binary = request.body[request.body.endIndex...]
        if let value = request.headers["Inference-Header-Content-Length"] {
            guard let n = Int(value), n >= 0, n <= request.body.count else {
                throw ServiceError.badRequest("Inference-Header-Content-Length '\(value)' is not within the body (\(request.body.count) bytes)")
            }
            jsonBytes = request.body[..<n]
            binary = request.body[n...]
        }
        guard let root = try? JSONSerialization.jsonObject(with: Data(jsonBytes)) as? [String: Any] else {
            throw ServiceError.badRequest("the inference request is not a JSON object")
        }
        guard let inputs = root["inputs"] as? [[String: Any]], let input = inputs.first, inputs.count == 1 else {
            throw ServiceError.badRequest("'inputs' must hold exactly one tensor ('input' FP32 or 'image' BYTES)")
        }
        let datatype = (input["datatype"] as? String ?? "").uppercased()
        let shape = (input["shape"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? []
        let binarySize = ((input["parameters"] as? [String: Any])?["binary_data_size"] as? NSNumber)?.intValue
        if let binarySize, binarySize > binary.count {
            throw ServiceError.badRequest("binary_data_size \(binarySize) exceeds the \(binary.count) bytes after the JSON header")
        }
        let tensorBytes = binarySize.map { binary.prefix($0) }

        let s = model.metadata.imageSize
        let score: Float
        let map: [Float]
        switch datatype {
        case "FP32":
            guard shape == [1, 3, s, s] else {
                throw ServiceError.badRequest("FP32 input must have shape [1,3,\(s),\(s)], got \(shape)")
            }
            let values = try Self.floats(input["data"], binary: tensorBytes, count: 3 * s * s)
            let result = try await queue.submit(bytes: values.count * 4, deadline: deadline) { _ in
                try model.engine.predict(values)
            }
            (score, map) = (result.score, result.map)
        case "BYTES":
            let image = try Self.encodedImage(input["data"], binary: tensorBytes)
            let limits = configuration.decodeLimits
            let result = try await queue.submit(bytes: image.count * 2, deadline: deadline) { _ -> AnomalyResult in
                let meta = model.metadata
                let input: ModelInput
                do {
                    input = try Preprocess.decodeModelInput(
                        image, size: s, mean: meta.inputMean, std: meta.inputStd, limits: limits)
                } catch {
                    throw ServiceError(imaging: error)
                }
                return try model.engine.predict(input.tensor)
            }
            (score, map) = (result.score, result.map)
        default:
            throw ServiceError.badRequest("input datatype must be FP32 or BYTES, got '\(datatype)'")
        }
        metrics.score(score, model: model.name)

        // Which outputs, and which as binary.
        let requested = (root["outputs"] as? [[String: Any]]) ?? []
        let allBinary = ((root["parameters"] as? [String: Any])?["binary_data_output"] as? Bool) ?? false
        var wanted: [(name: String, binary: Bool)] = requested.compactMap { o in
            guard let name = o["name"] as? String else { return nil }
            let b = ((o["parameters"] as? [String: Any])?["binary_data"] as? Bool) ?? allBinary
            return (name, b)
        }
        if wanted.isEmpty { wanted = [("anomaly_score", allBinary), ("anomaly_map", allBinary)] }
        for o in wanted where o.name != "anomaly_score" && o.name != "anomaly_map" {
            throw ServiceError.badRequest("unknown output '\(o.name)'; outputs are anomaly_score and anomaly_map")
        }

        var w = JSONWriter()
        var tail: [UInt8] = []
        w.beginObject()
        w.field("model_name", model.name)
        w.field("model_version", model.metadata.version)
        if let id = root["id"] as? String { w.field("id", id) }
        w.key("outputs"); w.beginArray()
        for o in wanted {
            let values = o.name == "anomaly_score" ? [score] : map
            let shape = o.name == "anomaly_score" ? [1] : [1, 1, s, s]
            w.beginObject(); w.field("name", o.name); w.field("datatype", "FP32")
            w.key("shape"); w.beginArray(); shape.forEach { w.int($0) }; w.endArray()
            if o.binary {
                w.key("parameters"); w.beginObject(); w.field("binary_data_size", values.count * 4); w.endObject()
                values.withUnsafeBytes { tail.append(contentsOf: $0) }  // little-endian on every supported CPU
            } else {
                w.key("data"); w.beginArray(); values.forEach { w.number($0) }; w.endArray()
            }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        if tail.isEmpty { return .json(200, w.text) }
        let header = Array(w.text.utf8)
        var response = HTTPResponse(status: 200, body: header + tail)
        response.headers["Content-Type"] = "application/octet-stream"
        response.headers["Inference-Header-Content-Length"] = String(header.count)
        return response
    }

    /// FP32 values from JSON `data` (flat or nested) or from binary little-endian bytes.
    static func floats(_ data: Any?, binary: ArraySlice<UInt8>?, count: Int) throws -> [Float] {
        if let binary {
            guard binary.count == count * 4 else {
                throw ServiceError.badRequest("binary FP32 input holds \(binary.count) bytes, expected \(count * 4)")
            }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in binary.withUnsafeBytes { dst.copyMemory(from: $0) } }
            return values
        }
        var values: [Float] = []
        values.reserveCapacity(count)
        func flatten(_ any: Any) throws {
            if let n = any as? NSNumber {
                values.append(n.floatValue)
            } else if let array = any as? [Any] {
                for element in array { try flatten(element) }
            } else {
                throw ServiceError.badRequest("FP32 'data' must hold only numbers")
            }
        }
        guard let data else { throw ServiceError.badRequest("the input tensor has no 'data'") }
        try flatten(data)
        guard values.count == count else {
            throw ServiceError.badRequest("FP32 input holds \(values.count) values, expected \(count)")
        }
        guard values.allSatisfy(\.isFinite) else { throw ServiceError.badRequest("FP32 input holds NaN or infinity") }
        return values
    }

    /// The one encoded image of a BYTES tensor: base64 in JSON, or length-prefixed binary.
    static func encodedImage(_ data: Any?, binary: ArraySlice<UInt8>?) throws -> [UInt8] {
        if let binary {
            guard binary.count >= 4 else { throw ServiceError.badRequest("binary BYTES input is shorter than its 4-byte length") }
            let b = Array(binary.prefix(4))
            let n = Int(b[0]) | Int(b[1]) << 8 | Int(b[2]) << 16 | Int(b[3]) << 24
            guard n == binary.count - 4 else {
                throw ServiceError.badRequest("binary BYTES input must hold exactly one element; its length prefix says \(n) of \(binary.count - 4) bytes")
            }
            return Array(binary.dropFirst(4))
        }
        let element = (data as? [Any])?.first ?? data
        guard let text = element as? String else {
            throw ServiceError.badRequest("BYTES 'data' must be one base64 string holding a JPEG or PNG")
        }
        guard let decoded = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !decoded.isEmpty else {
            throw ServiceError.badRequest("BYTES 'data' is not valid base64")
        }
        return Array(decoded)
    }
}
