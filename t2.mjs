import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
tf.enableProdMode();
await tf.setBackend(process.argv[2]||'wasm'); await tf.ready();
const a = tf.randomNormal([2000,50]), b = tf.randomNormal([50,50]);
function bench(name, f){ for(let k=0;k<2;k++){ let t=performance.now(); tf.tidy(()=>{let r; for(let i=0;i<100;i++){ r=f(); } r.dataSync();}); if(k) console.log(name, ((performance.now()-t)/100).toFixed(3),'ms'); } }
bench('matmul', ()=>tf.matMul(a,b));
bench('tanh', ()=>tf.tanh(a));
bench('sigmoid', ()=>tf.sigmoid(a));
bench('mul', ()=>tf.mul(a,a));
bench('add', ()=>tf.add(a,a));
bench('matmulT', ()=>tf.matMul(a,a,true,false));
bench('transpose', ()=>tf.transpose(a));
const at = tf.transpose(a);
bench('matmul_at_a', ()=>tf.matMul(at,a));
