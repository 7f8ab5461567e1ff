import CNGHTTP2

/// The nghttp2 callbacks of an ``HTTP2Session`` (C function pointers; `user_data` is the
/// unretained session). They only record events; errors reset a stream, never crash.
enum HTTP2Callbacks {
    static func install(_ cbs: OpaquePointer) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(cbs, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, onFrameRecv)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, onDataChunk)
        nghttp2_session_callbacks_set_on_stream_close_callback(cbs, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_send_callback(cbs, onFrameSend)
    }

    @inline(__always) static func session(_ ud: UnsafeMutableRawPointer?) -> HTTP2Session {
        Unmanaged<HTTP2Session>.fromOpaque(ud!).takeUnretainedValue()
    }

    static let temporalFailure = NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue

    static let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, ud in
        guard let frame else { return 0 }
        let h2 = session(ud)
        if frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue), frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST {
            let id = frame.pointee.hd.stream_id
            h2.streams[id] = HTTP2Stream(id: id)
        }
        return 0
    }

    static let onHeader: nghttp2_on_header_callback = { _, frame, name, namelen, value, valuelen, _, ud in
        guard let frame, let name, let value else { return 0 }
        let h2 = session(ud)
        guard let stream = h2.streams[frame.pointee.hd.stream_id], !stream.dispatched else { return 0 }
        return h2.addHeader(stream, name: UnsafeBufferPointer(start: name, count: namelen),
                            value: UnsafeBufferPointer(start: value, count: valuelen))
    }

    static let onFrameRecv: nghttp2_on_frame_recv_callback = { _, frame, ud in
        guard let frame else { return 0 }
        let h2 = session(ud)
        let type = frame.pointee.hd.type
        if type == UInt8(NGHTTP2_RST_STREAM.rawValue) { h2.noteReset(); return 0 }
        guard type == UInt8(NGHTTP2_HEADERS.rawValue) || type == UInt8(NGHTTP2_DATA.rawValue),
              let stream = h2.streams[frame.pointee.hd.stream_id] else { return 0 }
        if type == UInt8(NGHTTP2_HEADERS.rawValue) { h2.headersComplete(stream) }
        guard frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0,
              !stream.dispatched, !stream.rejected else { return 0 }
        h2.requestComplete(stream)
        return 0
    }

    static let onDataChunk: nghttp2_on_data_chunk_recv_callback = { _, _, streamID, data, len, ud in
        guard let data else { return 0 }
        let h2 = session(ud)
        guard let stream = h2.streams[streamID], !stream.rejected, !stream.dispatched else { return 0 }
        h2.addBody(stream, UnsafeBufferPointer(start: data, count: len))
        return 0
    }

    static let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, _, ud in
        let h2 = session(ud)
        if let s = h2.streams.removeValue(forKey: streamID) {
            h2.releaseBody(s)
            s.failWriter()
        }
        return 0
    }

    static let onFrameSend: nghttp2_on_frame_send_callback = { s, frame, ud in
        guard let frame, let s else { return 0 }
        // A rejected upload's answer is out: reset the stream so the client stops sending.
        let h2 = session(ud)
        if frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0,
           let stream = h2.streams[frame.pointee.hd.stream_id], stream.rejected {
            _ = nghttp2_submit_rst_stream(s, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream.id, NGHTTP2_NO_ERROR.rawValue)
        }
        return 0
    }

    /// The data provider's read callback: copies queued response bytes, defers when a streamed
    /// body has nothing queued yet, and flags EOF at the end.
    static let readBody: nghttp2_data_source_read_callback = { _, streamID, buf, length, flags, _, ud in
        guard let buf, let flags else { return ssize_t(temporalFailure) }
        let h2 = session(ud)
        guard let stream = h2.streams[streamID] else { return ssize_t(temporalFailure) }
        let available = stream.out.count - stream.outOffset
        if available == 0 && !stream.outEnded {
            stream.deferred = true
            return ssize_t(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        let n = min(available, length)
        if n > 0 {
            stream.out.withUnsafeBufferPointer { p in
                buf.update(from: p.baseAddress! + stream.outOffset, count: n)
            }
            stream.outOffset += n
        }
        if stream.outOffset == stream.out.count {
            stream.out.removeAll(keepingCapacity: !stream.outEnded)
            stream.outOffset = 0
            if stream.outEnded { flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue }
        }
        h2.releaseWriter(stream)
        return ssize_t(n)
    }
}
