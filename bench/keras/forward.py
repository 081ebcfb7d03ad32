# Keras twin of bench/forward.ts for mobilenet-v2-nsfwjs: MobileNetV2 at 224x224x3 to
# block_13_expand_relu plus global average pooling, Keras `predict` at batch 32 in inference
# mode. Random weights: the arithmetic, and so the speed, does not depend on their values.
# Prints one JSON line: {"imagesPerSecond": ..., "callImagesPerSecond": ...}.
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

batch = int(sys.argv[1]) if len(sys.argv) > 1 else 32
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
full = tf.keras.applications.MobileNetV2(input_shape=(224, 224, 3), include_top=False, weights=None)
features = tf.keras.layers.GlobalAveragePooling2D()(full.get_layer("block_13_expand_relu").output)
model = tf.keras.Model(full.input, features)
x = np.random.default_rng(1).random((batch, 224, 224, 3), dtype=np.float32)


def best(fn):
    fn()  # warm-up: traces the graph
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


predict_s = best(lambda: model.predict(x, batch_size=batch, verbose=0))
call_s = best(lambda: model(x, training=False).numpy())
print(json.dumps({"imagesPerSecond": batch / predict_s, "callImagesPerSecond": batch / call_s, "batch": batch}))
