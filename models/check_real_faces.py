"""Dev-only semantic check of the built face models on real photos (NOT part of the build).

Needs Pillow besides numpy/onnxruntime: python -m venv /tmp/v && /tmp/v/bin/pip install numpy onnxruntime==1.31.1 pillow
Usage: /tmp/v/bin/python models/check_real_faces.py [MODELS_DIR] [SHARED_DATA_DIR]
Runs a plain MTCNN cascade, a rough 5-point dlib-like chip, the dlib embedding on shared/data/deepface_pairs,
BlazeFace (IoU with the MTCNN box), antispoof and liveness, and prints summary numbers.
"""
import numpy as np, onnxruntime as ort, csv, itertools
from PIL import Image
import sys, os
M=(sys.argv[1] if len(sys.argv)>1 else os.path.expanduser(os.environ.get('HAWIYA_CACHE','~/.cache/hawiya'))+'/models').rstrip('/')+'/'
def S(n): 
    so=ort.SessionOptions(); so.intra_op_num_threads=2
    return ort.InferenceSession(M+n+'.onnx', so, providers=['CPUExecutionProvider'])
pnet,rnet,onet,emb,bf,asp,liv=[S(n) for n in ['mtcnn_pnet','mtcnn_rnet','mtcnn_onet','face_embed','blazeface_back','antispoof','liveness']]
D=(sys.argv[2] if len(sys.argv)>2 else os.path.join(os.path.dirname(os.path.abspath(__file__)),'..','..','shared','data')).rstrip('/')+'/'
def load(p):
    im=Image.open(D+p).convert('RGB'); w,h=im.size; s=min(1.0,1024/max(w,h))
    if s<1: im=im.resize((int(w*s),int(h*s)),Image.BILINEAR)
    return im
def nms(b,sc,t):
    o=np.argsort(-sc); keep=[]
    while len(o):
        i=o[0]; keep.append(i)
        xx1=np.maximum(b[i,0],b[o[1:],0]); yy1=np.maximum(b[i,1],b[o[1:],1]); xx2=np.minimum(b[i,2],b[o[1:],2]); yy2=np.minimum(b[i,3],b[o[1:],3])
        inter=np.clip(xx2-xx1,0,None)*np.clip(yy2-yy1,0,None); a=(b[:,2]-b[:,0])*(b[:,3]-b[:,1])
        o=o[1:][inter/(a[i]+a[o[1:]]-inter)<=t]
    return np.array(keep,int)
def norm(a): return ((a.astype(np.float32)-127.5)*0.0078125).transpose(2,0,1)[None]
def crop(im,b,sz):
    return np.asarray(im.crop(tuple(int(round(v)) for v in b[:4])).resize((sz,sz),Image.BILINEAR))
def square(b):
    w=b[2]-b[0]; h=b[3]-b[1]; l=max(w,h); cx=(b[0]+b[2])/2; cy=(b[1]+b[3])/2
    return np.array([cx-l/2,cy-l/2,cx+l/2,cy+l/2])
def mtcnn(im):
    W,H=im.size; m=12/20; s=m; allb=[]
    while min(W,H)*s>=12:
        a=np.asarray(im.resize((int(W*s+1),int(H*s+1)),Image.BILINEAR))
        reg,prob=pnet.run(None,{'input':norm(a)})
        p=prob[0,1]; ys,xs=np.where(p>=0.6)
        if len(ys):
            q1=np.stack([np.floor((2*xs+1)/s),np.floor((2*ys+1)/s)],1); q2=np.stack([np.floor((2*xs+12)/s),np.floor((2*ys+12)/s)],1)
            r=reg[0][:,ys,xs].T; bb=np.concatenate([q1,q2],1); wh=np.concatenate([bb[:,2:]-bb[:,:2]]*2,1)
            bb=bb+r*wh; sc=p[ys,xs]; k=nms(bb,sc,0.5); allb.append(np.c_[bb[k],sc[k]])
        s*=0.709
    b=np.concatenate(allb); b=b[nms(b[:,:4],b[:,4],0.7)]
    b=np.array([np.r_[square(x),x[4]] for x in b])
    inp=np.concatenate([norm(crop(im,x,24)) for x in b]); reg,prob=rnet.run(None,{'input':inp})
    k=prob[:,1]>0.7; b=b[k]; reg=reg[k]; wh=np.c_[b[:,2]-b[:,0],b[:,3]-b[:,1]]; b[:,:4]+=reg*np.c_[wh,wh]; b[:,4]=prob[k,1]
    b=b[nms(b[:,:4],b[:,4],0.7)]; b=np.array([np.r_[square(x),x[4]] for x in b])
    inp=np.concatenate([norm(crop(im,x,48)) for x in b]); reg,lm,prob=onet.run(None,{'input':inp})
    i=int(np.argmax(prob[:,1])); x=b[i]; w=x[2]-x[0]; h=x[3]-x[1]
    pts=np.c_[w*lm[i,:5]+x[0]-1, h*lm[i,5:]+x[1]-1]
    box=x[:4]+reg[i]*np.r_[w,h,w,h]
    return box, pts, float(prob[i,1])
# dlib-like chip from 5 points: similarity transform to a template (eyes, nose, mouth corners) in a 150 chip
T=np.array([[0.3454,0.3832],[0.6546,0.3832],[0.5,0.5503],[0.3688,0.7000],[0.6312,0.7000]])*150  # rough dlib chip positions (padding .25)
def chip(im,pts):
    A=[];B=[]
    for (x,y),(u,v) in zip(T,pts): A+= [[x,-y,1,0],[y,x,0,1]]; B+=[u,v]
    a,b,c,d=np.linalg.lstsq(np.array(A),np.array(B),rcond=None)[0]
    return np.asarray(im.transform((150,150),Image.AFFINE,(a,-b,c,b,a,d),Image.BILINEAR))
mean=np.array([122.782,117.001,104.298],np.float32)
def embed(c): return emb.run(None,{'input':((c.astype(np.float32)-mean)/255).transpose(2,0,1)[None]})[0][0]
paths=[l.strip() for l in open(D+'deepface_pairs/faces.txt') if l.strip()]
E={}; info={}
for p in paths:
    im=load(p); box,pts,pr=mtcnn(im); E[p]=embed(chip(im,pts)); info[p]=(im,box,pr)
print('faces', len(E), 'min onet prob', min(v[2] for v in info.values()))
g=[];i=[]
for r in csv.DictReader(open(D+'deepface_pairs/face_pairs.csv')):
    a,b=r['img1'],r['img2']
    if a in E and b in E: (g if r['same_person']=='True' else i).append(np.linalg.norm(E[a]-E[b]))
g=np.array(g); i=np.array(i)
print('genuine n=%d mean=%.3f max=%.3f  impostor n=%d mean=%.3f min=%.3f'%(len(g),g.mean(),g.max(),len(i),i.mean(),i.min()))
print('acc at 0.6: genuine accepted %d/%d impostors rejected %d/%d'%((g<0.6).sum(),len(g),(i>=0.6).sum(),len(i)))
print('embedding norms', np.round([np.linalg.norm(v) for v in list(E.values())[:5]],3))
# blazeface on the same images: best score location vs mtcnn box
def anchors():
    a=[]
    for st,n in ((16,2),(32,6)):
        g=256//st
        for y in range(g):
            for x in range(g):
                for _ in range(n): a.append([st*(x+.5),st*(y+.5)])
    return np.array(a)
A=anchors(); ious=[]; scs=[]; sp=[]; lv=[]
for p in paths:
    im,box,_=info[p]; W,H=im.size; L=max(W,H); pad=Image.new('RGB',(L,L)); ox,oy=(L-W)//2,(L-H)//2; pad.paste(im,(ox,oy))
    x=np.asarray(pad.resize((256,256),Image.BILINEAR)).astype(np.float32)[None]/127-1
    o=dict(zip([q.name for q in bf.get_outputs()],bf.run(None,{'input':x})))
    raw=np.concatenate([np.concatenate([o['scores_16'],o['boxes_16']],2),np.concatenate([o['scores_32'],o['boxes_32']],2)],1)[0]
    k=int(np.argmax(raw[:,0])); sc=1/(1+np.exp(-raw[k,0])); c=raw[k,1:3]+A[k]; s=raw[k,3:5]
    bb=np.r_[c-s/2,c+s/2]*L/256-np.r_[ox,oy,ox,oy]
    xx1,yy1=np.maximum(bb[:2],box[:2]); xx2,yy2=np.minimum(bb[2:],box[2:]); inter=max(0,xx2-xx1)*max(0,yy2-yy1)
    iou=inter/((bb[2]-bb[0])*(bb[3]-bb[1])+(box[2]-box[0])*(box[3]-box[1])-inter); ious.append(iou); scs.append(sc)
    fc=np.asarray(im.crop(tuple(int(v) for v in square(box))).resize((128,128),Image.BILINEAR)).astype(np.float32)[None]/255
    sp.append(asp.run(None,{'conv2d_input':fc})[0][0,0])
    fc32=np.asarray(im.crop(tuple(int(v) for v in square(box))).resize((32,32),Image.BILINEAR)).astype(np.float32)[None]/255
    lv.append(liv.run(None,{'conv2d_1_input':fc32})[0][0])
print('blazeface top score min %.3f, IoU with MTCNN box: min %.2f median %.2f'%(min(scs),min(ious),np.median(ious)))
print('antispoof real: min %.2f median %.2f max %.2f'%(min(sp),np.median(sp),max(sp)))
print('liveness probs[:,0]: min %.2f median %.2f max %.2f'%(min(l[0] for l in lv),np.median([l[0] for l in lv]),max(l[0] for l in lv)))
