/// A lower frame rate: every k consecutive frames of a sequence become one frame of k times
/// the width, [x_{kt} | x_{kt+1} | ... | x_{kt+k-1}], the last one padded with zeros when the
/// sequence's length is not a multiple of k. Kaldi's frame-subsampling and the "low frame
/// rate" stacking of CTC systems: the recurrent layers above then run k times fewer steps.
/// No parameters. In PyTorch terms, on (T, B, F) padded to a multiple of k:
/// `x.reshape(T // k, k, B, F).permute(0, 2, 1, 3).reshape(T // k, B, k * F)`.
public final class FrameStacking: Layer {
    public let frameSize: Int
    public let factor: Int
    public var inputSize: Int { frameSize }
    public var outputSize: Int { frameSize * factor }
    public var parameters: [Parameter] { [] }
    public var subsampling: Int { factor }

    public init(frameSize: Int, factor: Int) {
        precondition(frameSize >= 1 && factor >= 1)
        self.frameSize = frameSize
        self.factor = factor
    }

    /// ceil(frames / k): a partial last group still makes a frame.
    public func outputFrames(_ frames: Int) -> Int { (frames + factor - 1) / factor }

    final class Workspace: LayerWorkspace {
        let output = Buffer(), inputGrad = Buffer()
        var input: PackedLayout?
        var outputLayout: PackedLayout?
    }

    public func makeWorkspace() -> LayerWorkspace { Workspace() }

    /// x (N, F) -> y (N', kF), N' = Σ ceil(length / k).
    public func forward(_ x: PackedRows, workspace w: LayerWorkspace, pass: ForwardPass) -> PackedRows {
        let ws = workspace(w, as: Workspace.self)
        precondition(x.width == frameSize, "FrameStacking: \(x.width) inputs, expected \(frameSize)")
        let inLayout = x.layout, F = frameSize, k = factor
        let outLayout = PackedLayout(lengths: inLayout.lengths.map(outputFrames), T: outputFrames(inLayout.T))
        ws.input = inLayout
        ws.outputLayout = outLayout
        let y = ws.output.reserve(outLayout.rows * k * F)
        for t in 0..<outLayout.T {
            for b in 0..<outLayout.batchSizes[t] {
                let row = y + (outLayout.offsets[t] + b) * k * F
                for i in 0..<k {
                    let s = k * t + i   // the input step that fills slot i
                    if s < inLayout.T && b < inLayout.batchSizes[s] {
                        (row + i * F).update(from: x.data + (inLayout.offsets[s] + b) * F, count: F)
                    } else {
                        (row + i * F).update(repeating: 0, count: F)
                    }
                }
            }
        }
        return PackedRows(data: y, width: k * F, layout: outLayout)
    }

    /// dy (N', kF) -> dx (N, F): each input frame's slot of the gradient (padding slots drop).
    public func backward(_ dy: UnsafePointer<Float>, workspace w: LayerWorkspace, inputGradient: Bool) -> UnsafeMutablePointer<Float>? {
        let ws = workspace(w, as: Workspace.self)
        guard inputGradient else { return nil }
        guard let inLayout = ws.input, let outLayout = ws.outputLayout else { preconditionFailure("FrameStacking.backward before forward") }
        let F = frameSize, k = factor
        let dx = ws.inputGrad.reserve(inLayout.rows * F)
        for s in 0..<inLayout.T {
            for b in 0..<inLayout.batchSizes[s] {
                let from = dy + (outLayout.offsets[s / k] + b) * k * F + (s % k) * F
                (dx + (inLayout.offsets[s] + b) * F).update(from: from, count: F)
            }
        }
        return dx
    }
}
