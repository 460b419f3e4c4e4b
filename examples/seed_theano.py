"""The Theano listing of the computation-graphs chapter, run by swiftgrad.

Only the imports differ from the chapter. Run as a script, the file replays
the listing as an interactive session, so each expression shows its value
as it does in the chapter:

    python3 examples/seed_theano.py
"""

if __name__ == "__main__":
    import code
    import sys

    source = open(__file__).read().split("# The listing.\n", 1)[1]
    console = code.InteractiveConsole()
    for line in source.splitlines():
        print(">>>", line)
        if console.push(line):
            sys.exit("the listing has an unfinished statement: " + line)
    sys.exit()

# The listing.
import numpy
import swiftgrad as theano
import swiftgrad.tensor as T
x = T.dmatrix()
W = theano.shared(value=numpy.array([[3.0,2.0],[4.0,3.0]]))
b = theano.shared(value=numpy.array([-2.0,-4.0]))
h = T.nnet.sigmoid(T.dot(x,W)+b)
h_function = theano.function([x], h)
h_function([[1,0]])
W2 = theano.shared(value=numpy.array([5.0,-5.0]))
b2 = theano.shared(-2.0)
y_pred = T.nnet.sigmoid(T.dot(h,W2)+b2)
predict = theano.function([x], y_pred)
predict([[1,0]])
y = T.dvector()
l2 = (y-y_pred)**2
cost = l2.mean()
gW, gb, gW2, gb2 = T.grad(cost, [W,b,W2,b2])
train = theano.function(inputs=[x,y],outputs=[y_pred,cost],updates=((W, W-0.1*gW), (b, b-0.1*gb), (W2, W2-0.1*gW2), (b2, b2-0.1*gb2)))
DATA_X = numpy.array([[0,0],[0,1],[1,0],[1,1]])
DATA_Y = numpy.array([0,1,1,0])
predict(DATA_X)
train(DATA_X,DATA_Y)
train(DATA_X,DATA_Y)
