import Foundation
import HTTPServer
import Imaging

extension InferenceService {
    /// `POST /v1/predict` and `POST /v1/models/{model}/predict`.
    func predict(_ request: HTTPRequest, modelName: String?) async throws -> HTTPResponse {
        try authorize(request, token: configuration.apiToken)
        try requireReady()
        let model = try registry.model(named: modelName)
        var options = try Self.options(from: request)
        let deadline = try deadline(of: request)
        let wantsPNG = Self.prefersPNG(request.headers["Accept"])
        if wantsPNG && options.heatmap == .none { options.heatmap = .png }

        let images = try Self.images(in: request)
        var predictions: [Prediction] = []
        for image in images {
            predictions.append(try await runPrediction(image, model: model, options: options, deadline: deadline))
        }
        for p in predictions {
            logger.info("prediction", metadata: [
                "request_id": "\(request.requestID)", "model": "\(p.model)", "score": "\(p.score)",
                "anomalous": "\(p.anomalous)", "total_ms": "\(Int(p.timings.total * 1000))",
            ])
        }

        if wantsPNG {
            guard predictions.count == 1, let p = predictions.first, let png = p.heatmapPNG else {
                throw ServiceError.badRequest("Accept: image/png returns one heatmap; send a single image")
            }
            var response = HTTPResponse(status: 200, body: png)
            response.headers["Content-Type"] = "image/png"
            response.headers["X-Anomaly-Score"] = String(p.score)
            response.headers["X-Anomalous"] = String(p.anomalous)
            response.headers["X-Model-Version"] = p.modelVersion
            response.headers["Server-Timing"] = Self.serverTiming(p.timings)
            return response
        }

        var w = JSONWriter()
        let multipart = predictions.count != 1 || Self.isMultipart(request)
        if multipart { w.beginObject(); w.key("results"); w.beginArray() }
        for p in predictions { Self.write(p, requestID: request.requestID, into: &w) }
        if multipart { w.endArray(); w.field("request_id", request.requestID); w.endObject() }
        var response = HTTPResponse.json(200, w.text)
        if let first = predictions.first { response.headers["Server-Timing"] = Self.serverTiming(first.timings) }
        return response
    }

    static func write(_ p: Prediction, requestID: String, into w: inout JSONWriter) {
        w.beginObject()
        w.field("model", p.model)
        w.field("model_version", p.modelVersion)
        w.field("score", p.score)
        w.field("threshold", p.threshold)
        w.field("anomalous", p.anomalous)
        w.key("image"); w.beginObject(); w.field("width", p.width); w.field("height", p.height); w.endObject()
        w.key("timing_ms"); w.beginObject()
        w.field("decode", ms(p.timings.decode)); w.field("queue", ms(p.timings.queueWait))
        w.field("inference", ms(p.timings.inference)); w.field("postprocess", ms(p.timings.postprocess))
        w.field("total", ms(p.timings.total))
        w.endObject()
        w.field("request_id", requestID)
        if let png = p.heatmapPNG { w.field("heatmap_png", Data(png).base64EncodedString()) }
        w.endObject()
    }

    static func ms(_ seconds: Double) -> Double { (seconds * 1e5).rounded() / 100 }

    static func serverTiming(_ t: StageTimings) -> String {
        "decode;dur=\(ms(t.decode)), queue;dur=\(ms(t.queueWait)), inference;dur=\(ms(t.inference)), "
            + "postprocess;dur=\(ms(t.postprocess)), total;dur=\(ms(t.total))"
    }

    /// True when the client's first choice is `image/png`.
    static func prefersPNG(_ accept: String?) -> Bool {
        guard let accept else { return false }
        let first = accept.split(separator: ",").first.map { $0.split(separator: ";")[0].trimmingSpaces().lowercased() }
        return first == "image/png"
    }

    static func isMultipart(_ request: HTTPRequest) -> Bool {
        request.headers["Content-Type"]?.lowercased().hasPrefix("multipart/") ?? false
    }

    /// `heatmap=`, `threshold=` and `heatmap_max_side=` from the query.
    static func options(from request: HTTPRequest) throws -> PredictOptions {
        var options = PredictOptions()
        if let value = request.query["heatmap"] {
            guard let kind = PredictOptions.HeatmapKind(rawValue: value.lowercased()) else {
                throw ServiceError.badRequest("heatmap must be one of none, png, overlay, mask; got '\(value)'")
            }
            options.heatmap = kind
        }
        if let value = request.query["threshold"] {
            guard let t = Float(value), t.isFinite else {
                throw ServiceError.badRequest("threshold must be a finite number, got '\(value)'")
            }
            options.threshold = t
        }
        if let value = request.query["heatmap_max_side"] {
            guard let side = Int(value), (16...8192).contains(side) else {
                throw ServiceError.badRequest("heatmap_max_side must be an integer in 16…8192, got '\(value)'")
            }
            options.heatmapMaxSide = side
        }
        return options
    }

    /// The encoded images of a request: the raw body, or each part of a multipart body.
    static func images(in request: HTTPRequest) throws -> [ArraySlice<UInt8>] {
        let contentType = (request.headers["Content-Type"] ?? "").lowercased()
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingSpaces() } ?? ""
        if mediaType.hasPrefix("multipart/") {
            guard mediaType == "multipart/form-data",
                  let boundary = Multipart.boundary(fromContentType: request.headers["Content-Type"] ?? "") else {
                throw ServiceError.badRequest("multipart bodies must be multipart/form-data with a boundary parameter")
            }
            let parts = try Multipart.parse(request.body, boundary: boundary).filter { !$0.body.isEmpty }
            guard !parts.isEmpty else { throw ServiceError.badRequest("the multipart body holds no image part") }
            guard parts.count <= 32 else {
                throw ServiceError.payloadTooLarge("at most 32 images per request, got \(parts.count)")
            }
            return parts.map(\.body)
        }
        // Any other Content-Type (curl's default form type included) is sniffed: the format is
        // known by its magic bytes, and a body that is neither JPEG nor PNG gets 415 from the decoder.
        guard !request.body.isEmpty else {
            throw ServiceError.badRequest("the request body is empty; send the image bytes (curl --data-binary @frame.jpg)")
        }
        return [request.body[...]]
    }
}
