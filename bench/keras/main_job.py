# Keras twin of the README's main job: the mobilenet-v2-nsfwjs base (its weights, exported by
# export-main-job.ts) cut at block_13_expand_relu + pooling, frozen in inference mode; phase 1 a
# new head (dropout 0.2 + dense softmax) on cached features, adam 1e-3, batch 32, up to 500
# epochs with early stopping after 50 (best weights kept); phase 2 unfreezes block_12 and
# block_13_expand at lr 1e-4 on cached block_11 activations, up to 50 epochs, patience 5; then
# validation and test accuracy. Same images and split as tl. Prints one JSON line.
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
t_start = time.perf_counter()
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

src = sys.argv[1]
meta = json.load(open(os.path.join(src, "data.json")))
images = np.fromfile(os.path.join(src, "images.f32"), dtype=np.float32).reshape(-1, 28, 28, 1)
labels = np.array(meta["labels"], dtype=np.int32)
part = {k: slice(v["offset"], v["offset"] + v["count"]) for k, v in meta["splits"].items()}
classes = len(meta["classes"])

base = tf.keras.applications.MobileNetV2(input_shape=(224, 224, 3), include_top=False, weights=None)
flat = np.fromfile(os.path.join(src, "weights.f32"), dtype=np.float32)
at = 0
for entry in json.load(open(os.path.join(src, "weights.json"))):
    try:
        layer = base.get_layer(entry["layer"])
    except ValueError:
        at += sum(int(np.prod(s)) for s in entry["shapes"])
        continue
    values = []
    for shape in entry["shapes"]:
        size = int(np.prod(shape))
        values.append(flat[at:at + size].reshape(shape))
        at += size
    layer.set_weights(values)
base.trainable = False


def to_rgb224(x):
    return tf.image.grayscale_to_rgb(tf.image.resize(x, (224, 224), method="bilinear"))


def features_of(model, x, batch=32):
    # Keras predict (a compiled graph) on the upscaled images, batch 32, as its users run it.
    return model.predict(to_rgb224(x).numpy(), batch_size=batch, verbose=0)


# Lower part: input -> block_11_add (what phase 2 keeps frozen and caches); upper: block_12 and
# block_13_expand, rebuilt on the cached activations, then pooling and the head.
lower = tf.keras.Model(base.input, base.get_layer("block_11_add").output)
t0 = time.perf_counter()
acts = {k: features_of(lower, images[s]) for k, s in part.items()}
activation_seconds = time.perf_counter() - t0


def upper_from(inp, trainable):
    g = base.get_layer
    x = g("block_12_expand")(inp)
    x = g("block_12_expand_BN")(x, training=False)
    x = g("block_12_expand_relu")(x)
    x = g("block_12_depthwise")(x)
    x = g("block_12_depthwise_BN")(x, training=False)
    x = g("block_12_depthwise_relu")(x)
    x = g("block_12_project")(x)
    x = g("block_12_project_BN")(x, training=False)
    x = layers.Add()([inp, x])
    x = g("block_13_expand")(x)
    x = g("block_13_expand_BN")(x, training=False)
    x = g("block_13_expand_relu")(x)
    return layers.GlobalAveragePooling2D()(x)


act_in = layers.Input(acts["train"].shape[1:])
upper = tf.keras.Model(act_in, upper_from(act_in, False))
feats = {k: upper.predict(v, batch_size=32, verbose=0) for k, v in acts.items()}

head_in = layers.Input(feats["train"].shape[1:])
head_out = layers.Dense(classes, activation="softmax")(layers.Dropout(0.2)(head_in))
head = tf.keras.Model(head_in, head_out)
head.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
y = {k: labels[s] for k, s in part.items()}
t1 = time.perf_counter()
h1 = head.fit(feats["train"], y["train"], batch_size=32, epochs=500, validation_data=(feats["val"], y["val"]), verbose=0,
              callbacks=[tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=50, restore_best_weights=True)])
phase1_seconds = time.perf_counter() - t1

# Phase 2: the unfrozen top (BN layers stay in inference mode and frozen) plus the head.
for name in ["block_12_expand", "block_12_depthwise", "block_12_project", "block_13_expand"]:
    base.get_layer(name).trainable = True
full_in = layers.Input(acts["train"].shape[1:])
full = tf.keras.Model(full_in, head(upper_from(full_in, True)))
full.compile(optimizer=tf.keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
t2 = time.perf_counter()
h2 = full.fit(acts["train"], y["train"], batch_size=32, epochs=50, validation_data=(acts["val"], y["val"]), verbose=0,
              callbacks=[tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)])
phase2_seconds = time.perf_counter() - t2
val_acc = full.evaluate(acts["val"], y["val"], verbose=0)[1]
test_acc = full.evaluate(acts["test"], y["test"], verbose=0)[1]
print(json.dumps({
    "valAccuracy": val_acc, "testAccuracy": test_acc, "phase1Epochs": len(h1.history["loss"]), "phase2Epochs": len(h2.history["loss"]),
    "activationSeconds": activation_seconds, "phase1Seconds": phase1_seconds, "phase2Seconds": phase2_seconds,
    "seconds": time.perf_counter() - t_start,
}))
