"""safetensors files in plain Python (struct + json), laid out as the
reference implementation writes them: 8-byte little-endian header length,
compact JSON with "__metadata__" first and the tensors in name order (every
tensor here is F32, so the reference's sort by alignment then name is by
name), the header padded with spaces to a multiple of 8, then the tensors'
bytes back to back in header order."""
import json
import struct

import numpy as np

_DTYPES = {'F32': np.float32, 'F64': np.float64, 'F16': np.float16,
           'I64': np.int64, 'I32': np.int32, 'U8': np.uint8}


def write(path, tensors, metadata):
    """tensors: {name: numpy array}, written as little-endian F32;
    metadata: {key: str}."""
    header = {'__metadata__': dict(metadata)}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype='<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape),
                        'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def read(path):
    """Returns ({name: numpy array}, {key: str}); F32/F64/F16/I64/I32/U8 only."""
    with open(path, 'rb') as f:
        raw = f.read()
    (length,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + length].decode('utf-8'))
    metadata = header.pop('__metadata__', {})
    buffer = raw[8 + length:]
    tensors = {}
    for name, info in header.items():
        begin, end = info['data_offsets']
        array = np.frombuffer(buffer[begin:end], dtype=np.dtype(_DTYPES[info['dtype']]).newbyteorder('<'))
        tensors[name] = array.reshape(info['shape']).copy()
    return tensors, metadata
