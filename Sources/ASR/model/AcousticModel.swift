/// features (T, B, F) -> [frame stacking] -> [projection] -> recurrent layers (dropout between)
/// -> classifier -> logits (T', B, V), T' = `outputFrames(T)` (T / `model.subsample`, rounded up).
///
/// The model is its weights: immutable once built or loaded, `Sendable`, shared by every
/// thread that recognizes with it. Each thread runs it with a `ModelWorkspace` of its own
/// (`makeWorkspace()`), which holds the activations of its last batch.
///
/// Parameter names are those of a PyTorch module with attributes `projection` (nn.Linear),
/// `encoder` (nn.GRU/nn.LSTM, batch_first=False) and `classifier` (nn.Linear), so its
/// state_dict and this model's checkpoint have the same keys.
public final class AcousticModel: Sendable {
    public let config: ModelConfig
    public let inputSize: Int, vocabSize: Int
    /// The layers in order, built from `config` by `makeLayers`.
    public let stack: LayerStack
    public var layers: [any Layer] { stack.layers }
    public var parameters: [Parameter] { stack.parameters }
    public var parameterCount: Int { stack.parameterCount }
    /// Parameters of the recurrent layers alone.
    public var recurrentParameterCount: Int { layers.filter { $0 is RecurrentLayer }.reduce(0) { $0 + $1.parameterCount } }

    public init(config: ModelConfig, inputSize: Int, vocabSize: Int) {
        self.config = config
        self.inputSize = inputSize
        self.vocabSize = vocabSize
        stack = LayerStack(Self.makeLayers(config, inputSize: inputSize, vocabSize: vocabSize))
    }

    /// The layer stack a configuration describes, with PyTorch's initialisation drawn from
    /// `config.seed` in module order. A new kind of layer is added here.
    static func makeLayers(_ config: ModelConfig, inputSize: Int, vocabSize: Int) -> [any Layer] {
        var rng = SeededRandom(seed: config.seed)
        var layers: [any Layer] = []
        if config.subsample > 1 { layers.append(FrameStacking(frameSize: inputSize, factor: config.subsample)) }
        if config.projection > 0 {
            layers.append(Linear(inputSize: layers.last?.outputSize ?? inputSize, outputSize: config.projection, name: "projection", rng: &rng))
        }
        layers += RecurrentEncoder.layers(cell: config.cell, inputSize: layers.last?.outputSize ?? inputSize,
                                          hidden: config.hiddenSize, layers: config.layers, bidirectional: config.bidirectional,
                                          dropout: Float(config.dropout), prefix: "encoder", rng: &rng)
        layers.append(Linear(inputSize: layers.last!.outputSize, outputSize: vocabSize, name: "classifier", rng: &rng))
        return layers
    }

    /// Feature frames per output frame: the model's frame shift is this many feature shifts.
    public var subsampling: Int { stack.subsampling }

    /// Output frames of a sequence of `frames` feature frames. CTC lengths, the too-short
    /// filter, word times and windows all count frames with this.
    public func outputFrames(_ frames: Int) -> Int { stack.outputFrames(frames) }

    /// Quantizes every weight matrix to int8 with per-row scales (`asr quantize`): inference
    /// then multiplies in int8, and the float values become what the int8 ones stand for.
    /// Call it before the model is shared; training a quantized model trains floats again.
    public func quantize() {
        for p in parameters where p.shape.count == 2 && p.int8 == nil { p.quantize() }
    }

    /// Whether the weights are int8 (a checkpoint written by `asr quantize`).
    public var isQuantized: Bool { parameters.contains { $0.int8 != nil } }

    public func makeWorkspace() -> ModelWorkspace { ModelWorkspace(stack: stack.makeWorkspace()) }

    /// The logits of a forward pass: (T, B, V) time-major in the workspace, zero on padding
    /// frames, valid until the workspace's next forward.
    public struct Output {
        public let logits: UnsafeMutablePointer<Float>
        public let T: Int
        /// Output frames of each sequence, in batch order.
        public let lengths: [Int]
    }

    /// features (T, B, F) time-major, sequences sorted longest first -> logits. Inside, only
    /// real frames are computed (the batch is packed).
    public func forward(_ features: UnsafePointer<Float>, T: Int, B: Int, lengths: [Int], workspace ws: ModelWorkspace,
                        pass: ForwardPass) -> Output {
        let layout = PackedLayout(lengths: lengths, T: T)
        let x = ws.packedInput.reserve(layout.rows * inputSize)
        layout.pack(features, width: inputSize, into: x)
        var pass = pass
        pass.parallelDirections = ws.parallelDirections
        let y = stack.forward(PackedRows(data: x, width: inputSize, layout: layout), workspace: ws.stack, pass: pass)
        ws.outputLayout = y.layout
        let out = ws.logits.reserve(y.layout.T * B * vocabSize)
        y.layout.unpack(y.data, width: vocabSize, into: out)
        return Output(logits: out, T: y.layout.T, lengths: y.layout.lengths)
    }

    /// dLogits (T', B, V) -> adds to every parameter's gradient (padding frames are ignored).
    public func backward(_ dLogits: UnsafePointer<Float>, workspace ws: ModelWorkspace) {
        guard let layout = ws.outputLayout else { preconditionFailure("AcousticModel.backward before forward") }
        let g = ws.packedGrad.reserve(layout.rows * vocabSize)
        layout.pack(dLogits, width: vocabSize, into: g)
        // The features need no gradient.
        _ = stack.backward(g, workspace: ws.stack, inputGradient: false)
    }
}

/// One thread's buffers for running an `AcousticModel`: the packed input, every layer's
/// activations and the logits. Allocated as batches first need them, then reused.
public final class ModelWorkspace {
    let stack: LayerWorkspace
    let packedInput = Buffer()    // (N, F)
    let logits = Buffer()         // (T', B, V)
    let packedGrad = Buffer()     // (N', V)
    var outputLayout: PackedLayout?
    /// Run the two directions of each bidirectional layer on two threads (when this thread
    /// has a spare core).
    public var parallelDirections = false

    init(stack: LayerWorkspace) { self.stack = stack }
}
