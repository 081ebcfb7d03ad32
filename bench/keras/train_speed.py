# Keras twin of bench/train-speed.ts: the same cnn-small layout (src/models/architectures.ts),
# 28x28x1, 5 classes, batch 64, adam 1e-3, Keras `fit` on random pixels. Prints one JSON line
# with the best epoch after the first, in images per second.
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def conv(x, filters, relu):
    return layers.Conv2D(filters, 3, padding="same", activation="relu" if relu else None, use_bias=relu, kernel_initializer="he_normal")(x)


def bn_relu(x):
    return layers.Activation("relu")(layers.BatchNormalization(momentum=0.9)(x))


inp = layers.Input((28, 28, 1))
x = bn_relu(conv(inp, 32, False))
x = conv(x, 32, True)
x = layers.MaxPooling2D(2)(x)
x = bn_relu(conv(x, 64, False))
x = conv(x, 64, True)
x = layers.MaxPooling2D(2)(x)
x = conv(x, 128, True)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.3)(x)
out = layers.Dense(5, activation="softmax")(x)
model = tf.keras.Model(inp, out)
model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])

rng = np.random.default_rng(7)
xs = rng.random((n, 28, 28, 1), dtype=np.float32)
ys = np.arange(n) % 5


class Timer(tf.keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times = getattr(self, "times", []) + [time.perf_counter() - self.t0]


timer = Timer()
model.fit(xs, ys, batch_size=64, epochs=epochs, shuffle=True, verbose=0, callbacks=[timer])
print(json.dumps({"imagesPerSecond": max(n / t for t in timer.times[1:]), "epochs": epochs, "images": n, "batch": 64}))
